"""The agent graph: edges from inputs/outputs, ordering from depends_on, cycles and loose ends.

An edge A -> B exists when A lists B in `outputs` or B lists A in `inputs`. When both sides spell out
their lists and disagree, that is an error: one of them is out of date, and guessing which would hide it.
"""

from __future__ import annotations

from typing import Any

from aixgo_cli.config.context import CheckContext, ref_name
from aixgo_cli.schema.issues import PathPart
from aixgo_cli.schema.suggest import did_you_mean_or_list


def _refs(body: dict[str, Any], key: str, inner: str) -> list[tuple[int, str]]:
    value = body.get(key)
    if not isinstance(value, list):
        return []
    out = []
    for index, item in enumerate(value):
        name = ref_name(item, inner)
        if name is not None:
            out.append((index, name))
    return out


def graph_edges(ctx: CheckContext) -> dict[str, set[str]]:
    """Downstream names per agent, from both sides of every declared edge."""
    edges: dict[str, set[str]] = {name: set() for name in ctx.agents}
    for agent in ctx.agents.values():
        for _, target in _refs(agent.body, "outputs", "target"):
            if target in ctx.members:
                edges.setdefault(agent.name, set()).add(target)
        for _, source in _refs(agent.body, "inputs", "source"):
            if source in ctx.members:
                edges.setdefault(source, set()).add(agent.name)
    return edges


def check_graph(ctx: CheckContext) -> None:
    dangling = False
    for agent in ctx.all_agents:
        base: tuple[PathPart, ...] = ("agents", agent.index)
        for key, inner in (("inputs", "source"), ("outputs", "target")):
            for index, name in _refs(agent.body, key, inner):
                if name == agent.name:
                    ctx.error(
                        _ref_path(agent.body, base, key, index, inner),
                        "self-reference",
                        f"agent '{agent.name}' lists itself in {key}",
                        "an agent cannot feed itself; use the reflection or swarm pattern for loops",
                    )
                elif name not in ctx.members:
                    dangling = True
                    ctx.error(
                        _ref_path(agent.body, base, key, index, inner),
                        "unknown-agent",
                        f"agent '{agent.name}' lists '{name}' in {key}, but no agent or flow has that name",
                        did_you_mean_or_list(name, ctx.members, "agents and flows"),
                    )
        for index, name in _refs(agent.body, "depends_on", "-"):
            if name == agent.name:
                ctx.error((*base, "depends_on", index), "self-reference", f"agent '{agent.name}' depends on itself")
            elif name not in ctx.agents:
                dangling = True
                ctx.error(
                    (*base, "depends_on", index),
                    "unknown-agent",
                    f"agent '{agent.name}' depends on '{name}', but no agent has that name",
                    did_you_mean_or_list(name, [a for a in ctx.agents if a != agent.name], "agents"),
                )
    _check_contradictions(ctx)
    _check_cycles(ctx)
    if "orchestration" not in ctx.data and not dangling:
        # With a dangling reference the graph is incomplete; "not connected" would only echo that error.
        _check_isolated(ctx)


def _check_contradictions(ctx: CheckContext) -> None:
    for agent in ctx.agents.values():
        for index, target in _refs(agent.body, "outputs", "target"):
            other = ctx.agents.get(target)
            if other is None or "inputs" not in other.body:
                continue
            sources = {name for _, name in _refs(other.body, "inputs", "source")}
            if agent.name not in sources:
                ctx.error(
                    _ref_path(agent.body, ("agents", agent.index), "outputs", index, "target"),
                    "edge-mismatch",
                    f"agent '{agent.name}' sends to '{target}', but '{target}' lists its inputs without '{agent.name}'",
                    f"add '{agent.name}' to the inputs of '{target}', or remove '{target}' from these outputs",
                )
        for index, source in _refs(agent.body, "inputs", "source"):
            other = ctx.agents.get(source)
            if other is None or "outputs" not in other.body:
                continue
            targets = {name for _, name in _refs(other.body, "outputs", "target")}
            if agent.name not in targets:
                ctx.error(
                    _ref_path(agent.body, ("agents", agent.index), "inputs", index, "source"),
                    "edge-mismatch",
                    f"agent '{agent.name}' reads from '{source}', but '{source}' lists its outputs "
                    f"without '{agent.name}'",
                    f"add '{agent.name}' to the outputs of '{source}', or remove '{source}' from these inputs",
                )


def _check_cycles(ctx: CheckContext) -> None:
    agents = ctx.agents.keys()
    successors = {name: targets & agents for name, targets in graph_edges(ctx).items()}
    for agent in ctx.agents.values():
        for _, before in _refs(agent.body, "depends_on", "-"):
            if before in ctx.agents and before != agent.name:
                successors.setdefault(before, set()).add(agent.name)
    cycle = find_cycle(successors)
    if cycle:
        loop = cycle
        # Start the loop at the agent that comes first in the file: that is how the user reads it.
        start = min(range(len(cycle)), key=lambda i: ctx.agents[loop[i]].index)
        cycle = cycle[start:] + cycle[:start]
        first = ctx.agents[cycle[0]]
        ctx.error(
            ("agents", first.index, "name"),
            "cycle",
            "the agents form a cycle: " + " -> ".join([*cycle, cycle[0]]),
            "a workflow graph runs each agent once per item; for loops use the reflection or swarm "
            "pattern with a bound",
        )


def _ref_path(
    body: dict[str, Any], base: tuple[PathPart, ...], key: str, index: int, inner: str
) -> tuple[PathPart, ...]:
    """Where a reference is written: the item itself, or the value of `{target: NAME}`."""
    items = body.get(key)
    item = items[index] if isinstance(items, list) and index < len(items) else None
    return (*base, key, index, inner) if isinstance(item, dict) and inner in item else (*base, key, index)


def find_cycle(successors: dict[str, set[str]]) -> list[str] | None:
    """One cycle (as a list of nodes) in a directed graph, or None. Iterative, deterministic order."""
    state: dict[str, int] = {}
    for start in sorted(successors):
        if state.get(start):
            continue
        path: list[str] = []
        # Successors are kept sorted in reverse and taken from the end: pop(0) would be quadratic in a
        # node's fan-out.
        stack: list[tuple[str, list[str]]] = [(start, sorted(successors.get(start, ()), reverse=True))]
        state[start] = 1
        path.append(start)
        while stack:
            node, pending = stack[-1]
            if not pending:
                stack.pop()
                path.pop()
                state[node] = 2
                continue
            nxt = pending.pop()
            if state.get(nxt) == 1:
                return path[path.index(nxt) :]
            if not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append((nxt, sorted(successors.get(nxt, ()), reverse=True)))
    return None


def _check_isolated(ctx: CheckContext) -> None:
    if len(ctx.agents) < 2:
        return
    edges = graph_edges(ctx)
    touched = {name for name, targets in edges.items() if targets} | {t for ts in edges.values() for t in ts}
    for agent in ctx.agents.values():
        if agent.body.get("depends_on"):
            touched.add(agent.name)
            touched.update(name for _, name in _refs(agent.body, "depends_on", "-"))
    if not touched:
        return  # nothing is connected: every agent is its own entry point, by design
    for agent in ctx.agents.values():
        if agent.name not in touched:
            ctx.warning(
                ("agents", agent.index, "name"),
                "unreachable",
                f"agent '{agent.name}' is not connected to any other agent; it runs alone on the input",
                "connect it with inputs/outputs, or remove it",
            )
