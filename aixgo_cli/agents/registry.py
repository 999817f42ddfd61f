"""Role name -> the function that runs it. An unknown or not-yet-available role names the valid ones."""

from __future__ import annotations

from aixgo_cli.agents.aggregator import aggregate
from aixgo_cli.agents.base import Agent
from aixgo_cli.agents.classifier import classify
from aixgo_cli.agents.logger import log_item
from aixgo_cli.agents.planner import plan
from aixgo_cli.agents.producer import produce
from aixgo_cli.agents.react import react
from aixgo_cli.errors import UserError

ROLES: dict[str, Agent] = {
    "producer": produce,
    "react": react,
    "aggregator": aggregate,
    "logger": log_item,
    "classifier": classify,
    "planner": plan,
}


def agent_for(role: str) -> Agent:
    try:
        return ROLES[role]
    except KeyError:
        raise UserError(
            f"role '{role}' cannot run in this version of aixgo",
            hint=f"roles available to run: {', '.join(sorted(ROLES))}",
        ) from None
