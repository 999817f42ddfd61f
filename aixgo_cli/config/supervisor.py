"""The top-level `supervisor:` block: the defaults of every supervisor pattern in the workflow.

It gives a supervisor flow what its own `config` leaves out: `routing_strategy`, `max_rounds` and the
supervisor itself. With a `model`, the block is an agent of its own (named `name`, default
`supervisor`), a react agent whose prompt is `system_prompt` (or a default that asks for the next
member's name): flows that set no `config.supervisor` are supervised by it.
"""

from __future__ import annotations

from typing import Any

DEFAULT_NAME = "supervisor"
DEFAULT_PROMPT = (
    "You supervise a team working on a task. Given the task and the work so far, decide which member works "
    "next, or whether the work is done."
)


def supervisor_name(block: dict[str, Any]) -> str:
    return str(block.get("name") or DEFAULT_NAME)


def supervisor_agent(block: dict[str, Any]) -> dict[str, Any]:
    """The agent definition the block stands for (only when it names a model)."""
    return {
        "name": supervisor_name(block),
        "role": "react",
        "model": block["model"],
        "prompt": block.get("system_prompt") or DEFAULT_PROMPT,
        "description": "the workflow's supervisor",
    }


def supervisor_defaults(block: dict[str, Any]) -> dict[str, Any]:
    """What a supervisor flow's config inherits: the strategy, the bound, and the supervisor (the block's
    own agent when it has a model, else the agent its `name` names)."""
    defaults: dict[str, Any] = {k: block[k] for k in ("routing_strategy", "max_rounds") if k in block}
    if block.get("model") or block.get("name"):
        defaults["supervisor"] = supervisor_name(block)
    return defaults
