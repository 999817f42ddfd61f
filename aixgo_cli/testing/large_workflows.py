"""Generated workflows with thousands of agents, for the scaling test and benchmark of validation.

Each shape stresses a different check: the graph (chain, fan-out, depends_on), the orchestration
(one sequential flow over every agent, nested flows), and the error paths, where every problem looks
for a "did you mean" suggestion (misspelt references) or a position inside a prompt (unknown variables).
"""

from __future__ import annotations

SHAPES = ("chain", "fanout", "depends", "sequential", "flows", "aggregators", "misspelt", "templates", "bad-flows")

_HEAD = "version: 1\nname: large\nagents:\n"


def _agent(index: int, extra: str = "", prompt: str = "go {{ input }}") -> str:
    return f'  - name: a{index}\n    role: react\n    model: openai/gpt-4o-mini\n    prompt: "{prompt}"\n{extra}'


def large_workflow(shape: str, agents: int) -> str:
    """The YAML text of a workflow of `agents` agents in the given shape (one of SHAPES)."""
    n = agents
    if shape == "chain":
        return _HEAD + "".join(_agent(i, f"    inputs: [a{i - 1}]\n" if i else "") for i in range(n))
    if shape == "fanout":
        targets = ", ".join(f"a{i}" for i in range(1, n))
        return _HEAD + _agent(0, f"    outputs: [{targets}]\n") + "".join(_agent(i) for i in range(1, n))
    if shape == "depends":
        return _HEAD + "".join(_agent(i, f"    depends_on: [a{i - 1}]\n" if i else "") for i in range(n))
    if shape == "sequential":
        members = ", ".join(f"a{i}" for i in range(n))
        return (
            _HEAD
            + "".join(_agent(i) for i in range(n))
            + f"orchestration:\n  pattern: sequential\n  agents: [{members}]\n"
        )
    if shape == "flows":
        count = max(1, n // 5)
        flows = "".join(
            f"  f{i}:\n    pattern: sequential\n    agents: [a{i}{f', f{i + 1}' if i + 1 < count else ''}]\n"
            for i in range(count)
        )
        return (
            _HEAD
            + "".join(_agent(i) for i in range(n))
            + f"flows:\n{flows}orchestration:\n  pattern: sequential\n  agents: [f0]\n"
        )
    if shape == "aggregators":  # every other agent combines the one before it, with a weight
        return _HEAD + "".join(
            _agent(i)
            if i % 2 == 0
            else f"  - name: a{i}\n    role: aggregator\n    model: openai/gpt-4o-mini\n    inputs: [a{i - 1}]\n"
            f"    aggregator_config:\n      aggregation_strategy: consensus\n      source_weights: {{a{i - 1}: 1.0}}\n"
            for i in range(n)
        )
    if shape == "bad-flows":  # a large `flows:` and `inputs:` mapping with problems in every entry
        flows = "".join(f"  f{i}:\n    pattern: sequential\n    agents: [zz{i}]\n    bogus{i}: 1\n" for i in range(n))
        inputs = "".join(f"  v{i}: {{type: strin}}\n" for i in range(n))
        return (
            _HEAD
            + _agent(0)
            + f"flows:\n{flows}inputs:\n{inputs}orchestration:\n  pattern: sequential\n  agents: [f0]\n"
        )
    if shape == "misspelt":
        return _HEAD + "".join(_agent(i, f"    inputs: [b{i}]\n") for i in range(n))
    if shape == "templates":
        return _HEAD + "".join(_agent(i, prompt=f"go {{{{ nope{i} }}}}") for i in range(n))
    raise ValueError(f"unknown shape {shape!r}; one of {', '.join(SHAPES)}")
