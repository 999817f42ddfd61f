"""`session:`: settings that would change nothing are said to change nothing."""

from __future__ import annotations

from aixgo_cli.config.context import CheckContext


def check_session(ctx: CheckContext) -> None:
    block = ctx.data.get("session")
    if not isinstance(block, dict):
        return
    if "checkpoint" in block:
        ctx.warning(
            ("session", "checkpoint"),
            "unused-key",
            "session.checkpoint changes nothing: every step is journaled as it finishes anyway",
            "remove it (it is accepted so that Go aixgo files validate)",
            at_key=True,
        )
    if block.get("enabled", True) and not any(a.body.get("role") == "react" for a in ctx.all_agents):
        ctx.warning(
            ("session",),
            "unused-key",
            "a session keeps the exchanges of react agents, and this workflow has none",
            "remove the session: block, or give the conversation to a react agent",
            at_key=True,
        )
