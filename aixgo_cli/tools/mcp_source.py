"""MCP servers as a tool source: started at run start, their tools discovered and named `server:tool`.

Which tools an agent sees: listing a server under the agent's `mcp_servers` gives it the server's tools
(only those in the server's own `tools:` list, when it has one); naming some of them in the agent's
`tools:` as `server:tool` narrows it to exactly those. Only servers some agent uses are started.

Each tool's identity (server, name, input schema) goes into the definition hash of the units that use
it, so a server whose tools changed re-runs those units on resume instead of replaying stale results.
Arguments are validated against the tool's input schema before every call (by the engine, as for every
tool); a server's error result reaches the model as `error: ...`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aixgo_cli.config.durations import optional_duration
from aixgo_cli.config.model import AgentSpec, Workflow
from aixgo_cli.errors import UserError
from aixgo_cli.tools.base import Tool, ToolCallError, ToolContext
from aixgo_cli.tools.mcp_client import (
    DEFAULT_CALL_TIMEOUT_S,
    McpHub,
    McpServerConfig,
    McpToolInfo,
    stdio_server_cwd,
)


class McpTools:
    def __init__(self, workflow: Workflow, context: ToolContext, hub: McpHub | None = None) -> None:
        self.workflow = workflow
        self.context = context
        self.hub = hub if hub is not None else McpHub()
        self.discovered: dict[str, dict[str, McpToolInfo]] = {}

    def owns(self, name: str) -> bool:
        return ":" in name

    def used_servers(self) -> list[str]:
        used: list[str] = []
        for agent in self.workflow.agents.values():
            names = list(agent.mcp_servers) + [t.name.split(":", 1)[0] for t in agent.tools if ":" in t.name]
            used.extend(n for n in names if n not in used)
        return [n for n in self.workflow.mcp_servers if n in used]

    def open(self) -> None:
        configs = [self._config(self.workflow.mcp_servers[name]) for name in self.used_servers()]
        for server, tools in self.hub.start(configs).items():
            self.discovered[server] = {tool.name: tool for tool in tools}
            self._check_listed_names(server)

    def _check_listed_names(self, server: str) -> None:
        """A name in the server's `tools` or `idempotent_tools` that it does not offer is a mistake that
        would otherwise do nothing (a typo hides a tool, or leaves it non-idempotent)."""
        definition = self.workflow.mcp_servers[server]
        offered = self.discovered[server]
        for key in ("tools", "idempotent_tools"):
            unknown = [name for name in definition.get(key) or () if name not in offered]
            if unknown:
                raise UserError(
                    f"MCP server '{server}' does not offer {', '.join(unknown)} (named in its {key}); "
                    f"it offers: {', '.join(offered) or 'no tools'}",
                    hint=f"fix the names in mcp_servers[{server}].{key}",
                )

    def close(self) -> None:
        self.hub.close()

    def tools_for(self, spec: AgentSpec) -> dict[str, Tool]:
        chosen = [t.name for t in spec.tools if ":" in t.name]
        narrowed = {name.split(":", 1)[0] for name in chosen}
        wanted: list[str] = list(chosen)
        for server in spec.mcp_servers:
            if server not in narrowed:
                wanted.extend(f"{server}:{tool}" for tool in self._exposed(server))
        return {name: self._tool(name, spec) for name in dict.fromkeys(wanted)}

    def _exposed(self, server: str) -> list[str]:
        offered = list(self.discovered.get(server, {}))
        allowed = self.workflow.mcp_servers[server].get("tools")
        return [t for t in offered if allowed is None or t in allowed]

    def _tool(self, name: str, spec: AgentSpec) -> Tool:
        server, tool_name = name.split(":", 1)
        info = self.discovered.get(server, {}).get(tool_name)
        if info is None or tool_name not in self._exposed(server):
            offered = ", ".join(self._exposed(server)) or "none"
            raise UserError(
                f"agent '{spec.name}' uses tool '{name}', but MCP server '{server}' does not offer it "
                f"(it offers: {offered})",
                hint=f"name one of the server's tools, or add it to the server's tools: list in {server}",
            )
        definition = self.workflow.mcp_servers[server]
        timeout = optional_duration(definition.get("timeout")) or DEFAULT_CALL_TIMEOUT_S
        hub = self.hub

        def call(args: dict[str, Any], _key: str) -> str:
            result = hub.call(server, tool_name, args, timeout)
            if result.is_error:
                raise ToolCallError(result.text or "the tool reported an error")
            return result.text

        return Tool(
            name,
            info.description or name,
            info.input_schema,
            tool_name in (definition.get("idempotent_tools") or ()),
            call,
            kind="mcp",
            timeout_s=timeout,
            identity={"server": server, "tool": tool_name, "input_schema": dict(info.input_schema)},
            times_out_itself=True,
        )

    def _config(self, definition: Mapping[str, Any]) -> McpServerConfig:
        headers = {k: self._value(v) for k, v in dict(definition.get("headers") or {}).items()}
        auth = definition.get("auth")
        if auth:
            headers["Authorization"] = f"Bearer {self.context.resolve_secret(str(auth['token_secret']))}"
        return McpServerConfig(
            name=str(definition["name"]),
            transport=str(definition["transport"]),
            command=str(definition.get("command", "")),
            args=tuple(str(a) for a in definition.get("args") or ()),
            env={k: self._value(v) for k, v in dict(definition.get("env") or {}).items()},
            cwd=stdio_server_cwd(self.context.base_dir, definition.get("cwd")),
            url=str(definition.get("url", "")),
            headers=headers,
            timeout_s=optional_duration(definition.get("timeout")) or DEFAULT_CALL_TIMEOUT_S,
            start_timeout_s=optional_duration(definition.get("start_timeout")),
        )

    def _value(self, value: Any) -> str:
        if isinstance(value, Mapping):
            return self.context.resolve_secret(str(value["secret"]))
        return str(value)


def server_secret_names(definition: Mapping[str, Any]) -> list[str]:
    """Every secret an MCP server entry names (env, headers, bearer token), for the up-front check."""
    names = [
        str(v["secret"])
        for key in ("env", "headers")
        for v in dict(definition.get(key) or {}).values()
        if isinstance(v, Mapping)
    ]
    auth = definition.get("auth")
    if auth:
        names.append(str(auth["token_secret"]))
    return names
