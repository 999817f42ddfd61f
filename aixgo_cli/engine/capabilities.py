"""Refuse, before anything runs, a workflow that needs something this version cannot run yet.

Validation accepts the whole format; a few parts of it (some patterns and roles) arrive in later
versions. Finding that out half-way through a run, after paying for its first steps,
would be the worst moment, so `run` checks the whole workflow first and names every missing piece.
"""

from __future__ import annotations

from aixgo_cli.agents.registry import ROLES
from aixgo_cli.config.model import Workflow
from aixgo_cli.errors import UserError
from aixgo_cli.knowledge import KNOWLEDGE_TOOL_TYPES
from aixgo_cli.patterns.registry import PATTERNS
from aixgo_cli.tools.toolbox import TOOL_TYPES

RUNNABLE_TOOL_TYPES = frozenset(TOOL_TYPES) | KNOWLEDGE_TOOL_TYPES


def check_runnable(workflow: Workflow) -> None:
    problems: list[str] = []
    flows = [workflow.orchestration] if workflow.orchestration else []
    flows += list(workflow.flows.values())
    for flow in flows:
        if flow is not None and flow.pattern not in PATTERNS:
            where = "the orchestration" if flow.name == "orchestration" else f"flow '{flow.name}'"
            problems.append(f"the {flow.pattern} pattern cannot run in this version ({where})")
    for agent in workflow.agents.values():
        if agent.role not in ROLES:
            problems.append(f"role {agent.role} cannot run in this version (agent '{agent.name}')")
        for tool in agent.tools:
            definition = workflow.tools.get(tool.name)
            if definition is not None and definition.get("type") not in RUNNABLE_TOOL_TYPES:
                problems.append(
                    f"tool '{tool.name}' has type {definition.get('type')}, which cannot run in this "
                    f"version (agent '{agent.name}')"
                )
    if problems:
        raise UserError(
            "this workflow needs what this version of aixgo cannot run yet: " + "; ".join(problems),
            hint=f"runnable now: patterns {', '.join(sorted(PATTERNS))}; roles {', '.join(sorted(ROLES))}; "
            f"tool types {', '.join(sorted(RUNNABLE_TOOL_TYPES))}",
        )
