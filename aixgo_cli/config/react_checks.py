"""Checks on a react agent's `react_config` and `guided_config` that the schema cannot express.

Errors are settings that contradict each other or can never take effect in a way the author would not
expect: two different loop bounds, the text protocol on an agent with nothing to call, a verification
prompt in a guided block that is not enabled (the usual slip: `enabled: true` forgotten). Guided mode
on an agent without tools is only a warning: the run works, the verification just never happens.
"""

from __future__ import annotations

from typing import Any

from aixgo_cli.config.context import CheckContext, Named


def check_react(ctx: CheckContext, agent: Named) -> None:
    body = agent.body
    base = ("agents", agent.index)
    react: Any = body.get("react_config")
    guided: Any = body.get("guided_config")
    react = react if isinstance(react, dict) else {}
    guided = guided if isinstance(guided, dict) else {}
    has_tools = bool(body.get("tools")) or bool(body.get("mcp_servers"))
    ours, theirs = react.get("max_iterations"), guided.get("max_iterations")
    if isinstance(ours, int) and isinstance(theirs, int) and ours != theirs:
        ctx.error(
            (*base, "guided_config", "max_iterations"),
            "conflicting-setting",
            f"react agent '{agent.name}' sets max_iterations twice: {ours} in react_config, {theirs} in guided_config",
            "keep one of them (react_config.max_iterations wins when both are set)",
            at_key=True,
        )
    # Settings that can have no effect are warnings, as for every role (--strict makes them errors).
    if react.get("tool_protocol") == "text" and not has_tools:
        ctx.warning(
            (*base, "react_config", "tool_protocol"),
            "unused-key",
            f"react agent '{agent.name}' uses tool_protocol: text but has no tools to call",
            "list its tools under tools: (or mcp_servers:), or remove tool_protocol",
            at_key=True,
        )
    if "verification_prompt" in guided and guided.get("enabled") is not True:
        ctx.warning(
            (*base, "guided_config", "verification_prompt"),
            "unused-key",
            f"react agent '{agent.name}' has a verification_prompt, but guided mode is not enabled, so it "
            "is never asked",
            "add `enabled: true` to guided_config, or remove verification_prompt",
            at_key=True,
        )
    if guided.get("enabled") is True and not has_tools:
        ctx.warning(
            (*base, "guided_config", "enabled"),
            "unused-key",
            f"react agent '{agent.name}' enables guided mode but has no tools; the verification runs only "
            "after a turn that used tools, so it never runs",
            "list the agent's tools, or remove guided_config.enabled",
            at_key=True,
        )
