"""Orchestration blocks: every name a pattern uses exists, loops have bounds, flows do not nest in circles.

The rules per pattern live in one table (`PATTERN_RULES`) so that adding a pattern is one entry here and
one module under `patterns/`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aixgo_cli.config.context import CheckContext
from aixgo_cli.config.graph_checks import find_cycle
from aixgo_cli.config.knowledge_checks import knowledge_names
from aixgo_cli.schema.issues import PathPart
from aixgo_cli.schema.suggest import closest, did_you_mean_or_list, one_of


@dataclass(frozen=True)
class PatternRule:
    refs: tuple[str, ...] = ()  # config keys naming one agent or flow
    ref_maps: tuple[str, ...] = ()  # config keys mapping labels to an agent/flow (or a list of them)
    required: tuple[str, ...] = ()
    bound: str | None = None  # the key that bounds the pattern's loop
    min_agents: int = 0
    roles: dict[str, str] = field(default_factory=dict)  # config key -> required role
    # False for a pattern the format describes but this version cannot run: `validate` reports it as an
    # error, as `run` would refuse it. tests/test_validate_run_agree.py keeps this in step with the
    # pattern registry (patterns/registry.py).
    runnable: bool = True


PATTERN_RULES: dict[str, PatternRule] = {
    "sequential": PatternRule(min_agents=1),
    "parallel": PatternRule(min_agents=1),
    "router": PatternRule(refs=("classifier", "default"), ref_maps=("routes",), required=("classifier", "routes")),
    "swarm": PatternRule(refs=("entry",), bound="max_handoffs", min_agents=1),
    "hierarchical": PatternRule(refs=("manager",), ref_maps=("teams",), required=("manager", "teams")),
    "rag": PatternRule(refs=("retriever", "generator", "reranker", "expander"), required=("retriever", "generator")),
    "reflection": PatternRule(refs=("generator", "critic"), required=("generator", "critic"), bound="max_iterations"),
    "ensemble": PatternRule(min_agents=2),
    "supervisor": PatternRule(refs=("supervisor",), bound="max_rounds", min_agents=1),
    "mapreduce": PatternRule(refs=("mapper", "reducer"), required=("mapper", "reducer")),
    "aggregation": PatternRule(refs=("summarizer", "scorer"), min_agents=1),
    "classifier": PatternRule(
        refs=("classifier", "default"),
        ref_maps=("routes",),
        required=("classifier", "routes"),
        roles={"classifier": "classifier"},
    ),
    "planning": PatternRule(
        refs=("planner",), required=("planner",), bound="max_steps", min_agents=1, roles={"planner": "planner"}
    ),
}


def block_members(block: dict[str, Any]) -> list[str]:
    """Every agent or flow name a block refers to, in file order."""
    names: list[str] = (
        [a for a in block.get("agents", []) if isinstance(a, str)] if isinstance(block.get("agents"), list) else []
    )
    rule = PATTERN_RULES.get(str(block.get("pattern")))
    config = block.get("config") if isinstance(block.get("config"), dict) else {}
    assert isinstance(config, dict)
    if rule is None:
        return names
    for key in rule.refs:
        if isinstance(config.get(key), str):
            names.append(config[key])
    for key in rule.ref_maps:
        mapping = config.get(key)
        if isinstance(mapping, dict):
            for value in mapping.values():
                values = value if isinstance(value, list) else [value]
                names.extend(v for v in values if isinstance(v, str))
    return names


def check_orchestration(ctx: CheckContext) -> None:
    root = ctx.data.get("orchestration")
    blocks: list[tuple[tuple[PathPart, ...], dict[str, Any]]] = []
    if isinstance(root, dict):
        blocks.append((("orchestration",), root))
    blocks.extend((("flows", name), body) for name, body in ctx.flows.items())
    dangling_before = _count(ctx, "unknown-agent")
    for path, block in blocks:
        _check_block(ctx, path, block)
    _check_flow_cycles(ctx)
    # A misspelled member leaves the agent it meant unused; warning about that would repeat the error.
    if isinstance(root, dict) and _count(ctx, "unknown-agent") == dangling_before:
        _check_unused(ctx, root)


def _count(ctx: CheckContext, code: str) -> int:
    return sum(1 for issue in ctx.issues if issue.code == code)


def _misspelled(config: dict[str, Any], key: str) -> bool:
    """Whether another key of `config` is a misspelling of `key` (the schema reports that one)."""
    return any(other != key and closest(other, [key]) == key for other in config)


def _check_block(ctx: CheckContext, path: tuple[PathPart, ...], block: dict[str, Any]) -> None:
    pattern = block.get("pattern")
    rule = PATTERN_RULES.get(pattern) if isinstance(pattern, str) else None
    if rule is None:
        return  # the schema already reported the unknown pattern, with a suggestion
    config = block.get("config") if isinstance(block.get("config"), dict) else {}
    assert isinstance(config, dict)
    label = "orchestration" if path == ("orchestration",) else f"flow '{path[1]}'"
    if not rule.runnable:
        ctx.error(
            (*path, "pattern"),
            "not-runnable",
            f"{label}: the {pattern} pattern cannot run in this version of aixgo",
            "patterns that run: " + ", ".join(sorted(name for name, r in PATTERN_RULES.items() if r.runnable)),
        )
    members = block.get("agents") if isinstance(block.get("agents"), list) else []
    assert isinstance(members, list)
    for index, name in enumerate(members):
        if isinstance(name, str):
            _check_ref(ctx, (*path, "agents", index), label, name)
    if len(members) < rule.min_agents:
        ctx.error(
            path,
            "missing-agents",
            f"{label} ({pattern}) needs at least {rule.min_agents} agent(s) under `agents:`",
            "list the agents or flows it runs: agents: [a, b]",
        )
    for key in rule.required:
        if key not in config and not _misspelled(config, key):
            ctx.error(path, "missing-key", f"{label} ({pattern}) needs config.{key}", _required_hint(str(pattern), key))
    if rule.bound and rule.bound not in config and not _misspelled(config, rule.bound):
        bounded_elsewhere = (
            pattern == "supervisor"
            and isinstance(ctx.data.get("supervisor"), dict)
            and "max_rounds" in ctx.data["supervisor"]
        )
        if not bounded_elsewhere:
            also = " (or supervisor.max_rounds at the top level)" if pattern == "supervisor" else ""
            # Point at `config:`, where the bound goes, when the block has one.
            has_config = isinstance(block.get("config"), dict)
            ctx.error(
                (*path, "config") if has_config else path,
                "unbounded-loop",
                f"{label} ({pattern}) loops, but nothing bounds it: config.{rule.bound} is not set",
                f"add `{rule.bound}: {_BOUND_EXAMPLES[rule.bound]}` under config{also}; "
                "a loop without a bound could run (and spend) forever",
                at_key=True,
            )
    for key in rule.refs:
        name = config.get(key)
        if isinstance(name, str):
            _check_ref(ctx, (*path, "config", key), label, name)
            wanted = rule.roles.get(key)
            agent = ctx.agents.get(name)
            if wanted and agent is not None and agent.body.get("role") != wanted:
                ctx.error(
                    (*path, "config", key),
                    "wrong-role",
                    f"{label}: config.{key} must be a {wanted} agent, but '{name}' has role {agent.body.get('role')}",
                )
    for key in rule.ref_maps:
        mapping = config.get(key)
        if not isinstance(mapping, dict):
            continue
        for label_key, value in mapping.items():
            values = value if isinstance(value, list) else [value]
            for index, name in enumerate(values):
                if isinstance(name, str):
                    at = (*path, "config", key, label_key) + ((index,) if isinstance(value, list) else ())
                    _check_ref(ctx, at, label, name)
    if pattern == "swarm" and isinstance(config.get("entry"), str) and config["entry"] not in members:
        ctx.error(
            (*path, "config", "entry"),
            "bad-reference",
            f"{label}: the swarm entry '{config['entry']}' is not one of its agents",
            f"add '{config['entry']}' to the swarm's agents, or start at one of: {one_of(members)}"
            if members
            else f"add '{config['entry']}' to the swarm's agents",
        )
    if pattern == "aggregation":
        method = config.get("method", "merge")
        needed = {"summarize": "summarizer", "best": "scorer"}.get(str(method))
        if needed and needed not in config:
            ctx.error(path, "missing-key", f"{label}: method {method} needs config.{needed}")


def _check_ref(ctx: CheckContext, path: tuple[PathPart, ...], label: str, name: str) -> None:
    indexes = knowledge_names(ctx)  # a knowledge index is a member too: it answers with documents
    if name not in ctx.members and name not in indexes:
        what = "agent, flow or knowledge index" if indexes else "agent or flow"
        ctx.error(
            path,
            "unknown-agent",
            f"{label} refers to '{name}', but no {what} has that name",
            did_you_mean_or_list(
                name, ctx.members | indexes, "agents, flows and indexes" if indexes else "agents and flows"
            ),
        )


_BOUND_EXAMPLES = {"max_handoffs": 10, "max_iterations": 3, "max_rounds": 10, "max_steps": 20}


def _required_hint(pattern: str, key: str) -> str:
    examples = {
        ("router", "routes"): "routes: {billing: billing-agent, technical: tech-agent}",
        ("classifier", "routes"): "routes: {billing: billing-agent, technical: tech-agent}",
        ("hierarchical", "teams"): "teams: {research: [searcher, reader]}",
    }
    return f"add config.{examples.get((pattern, key), key + ': <agent name>')}"


def _check_flow_cycles(ctx: CheckContext) -> None:
    successors = {name: {m for m in block_members(body) if m in ctx.flows} for name, body in ctx.flows.items()}
    cycle = find_cycle(successors)
    if cycle:
        loop = cycle
        order = {name: index for index, name in enumerate(ctx.flows)}
        start = min(range(len(cycle)), key=lambda i: order[loop[i]])
        cycle = cycle[start:] + cycle[:start]
        ctx.error(
            ("flows", cycle[0]),
            "cycle",
            "flows contain each other in a loop: " + " -> ".join([*cycle, cycle[0]]),
            "a flow cannot contain itself, directly or through others",
            at_key=True,
        )


def _check_unused(ctx: CheckContext, root: dict[str, Any]) -> None:
    reached: set[str] = set()
    pending = block_members(root)
    while pending:
        name = pending.pop()
        if name in reached:
            continue
        reached.add(name)
        if name in ctx.flows:
            pending.extend(block_members(ctx.flows[name]))
    reached |= _default_supervisor(ctx, root, reached)
    for agent in ctx.agents.values():
        if agent.name not in reached and not _feeds_into(ctx, agent.name, reached):
            ctx.warning(
                ("agents", agent.index, "name"),
                "unreachable",
                f"agent '{agent.name}' is not used by the orchestration or any flow it runs; it never runs",
                "add it to a pattern, or remove it",
            )
    for name in ctx.flows:
        if name not in reached:
            ctx.warning(
                ("flows", name),
                "unreachable",
                f"flow '{name}' is never used by the orchestration",
                "refer to it from a pattern, or remove it",
                at_key=True,
            )


def _default_supervisor(ctx: CheckContext, root: dict[str, Any], reached: set[str]) -> set[str]:
    """The agent the top-level `supervisor:` block names, when a reached supervisor flow relies on it."""
    block = ctx.data.get("supervisor")
    if not isinstance(block, dict) or not isinstance(block.get("name"), str):
        return set()
    flows = [root] + [ctx.flows[name] for name in reached if name in ctx.flows]
    for body in flows:
        config = body.get("config")
        if body.get("pattern") == "supervisor" and not (isinstance(config, dict) and "supervisor" in config):
            return {block["name"]}
    return set()


def _feeds_into(ctx: CheckContext, name: str, reached: set[str]) -> bool:
    """Producers and loggers outside the orchestration are its source and sink: they run around it."""
    return ctx.agents[name].body.get("role") in ("producer", "logger")
