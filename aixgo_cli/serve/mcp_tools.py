"""Each served workflow as an MCP tool, over streamable HTTP at /mcp (the SDK's low-level server).

A tool's input schema is the workflow's declared `inputs` plus a free-text `input`; its result is the
run's result, as structured content when the workflow's result agent declares a JSON schema. While the
run goes, each finished step is sent as a progress notification (when the client asked for progress).
`tools/list` shows only the workflows the caller's key may run, and `tools/call` checks it again.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from aixgo_cli.agents.base import as_text
from aixgo_cli.config.model import Workflow
from aixgo_cli.engine.run_limits import LimitOverrides
from aixgo_cli.errors import AixgoError
from aixgo_cli.events import Event, StepFinished
from aixgo_cli.secrets.redaction import redact
from aixgo_cli.serve.gate import PRINCIPAL
from aixgo_cli.serve.keys import Principal
from aixgo_cli.serve.runs import ServedRuns

if TYPE_CHECKING:
    from aixgo_cli.serve.auth import Authenticator

JSON_TYPES = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean"}


def input_schema(workflow: Workflow) -> dict[str, Any]:
    properties: dict[str, Any] = {"input": {"type": "string", "description": "The run's input text."}}
    required: list[str] = []
    for name, spec in workflow.inputs.items():
        prop: dict[str, Any] = {"type": JSON_TYPES.get(str(spec.get("type", "string")), "string")}
        if spec.get("description"):
            prop["description"] = str(spec["description"])
        if spec.get("enum") is not None:
            prop["enum"] = plain(spec["enum"])
        if "default" in spec:
            prop["default"] = plain(spec["default"])
        elif spec.get("required"):
            required.append(name)
        properties[name] = prop
    schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    return schema


def output_schema(workflow: Workflow) -> dict[str, Any] | None:
    """The result agent's JSON schema, when the workflow has exactly one result agent and it declares one."""
    upstream = {source for agent in workflow.agents.values() for source in agent.inputs}
    last = [a for a in workflow.agents.values() if a.name not in upstream]
    if len(last) != 1:
        return None
    raw_agents = [a for a in workflow.raw.get("agents", []) if isinstance(a, Mapping) and a.get("name") == last[0].name]
    schema = ((raw_agents[0].get("structured_output") or {}).get("schema")) if raw_agents else None
    if isinstance(schema, Mapping) and schema.get("type") == "object":
        return plain(schema)  # type: ignore[no-any-return]
    return None


def plain(value: Any) -> Any:
    """A loaded workflow's read-only mappings and tuples as the dicts and lists JSON (and the SDK) expect."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


class McpTools:
    def __init__(self, runs: ServedRuns, auth: Authenticator) -> None:
        self.runs = runs
        self.auth = auth

    def server(self) -> Any:
        from mcp.server.lowlevel.server import Server

        from aixgo_cli import __version__

        return Server("aixgo", version=__version__, on_list_tools=self.list_tools, on_call_tool=self.call_tool)

    async def list_tools(self, ctx: Any, params: Any) -> Any:
        import mcp_types as types

        principal = _principal(ctx)
        tools = [
            types.Tool(
                name=name,
                description=str(workflow.raw.get("description") or f"Run the workflow {name}."),
                input_schema=input_schema(workflow),
                output_schema=output_schema(workflow),
            )
            for name, workflow in sorted(self.runs.workflows.items())
            if principal.may_run(name)
        ]
        return types.ListToolsResult(tools=tools)

    async def call_tool(self, ctx: Any, params: Any) -> Any:
        import mcp_types as types

        principal = _principal(ctx)
        name = params.name
        if name not in self.runs.workflows or not principal.may_run(name):
            self.auth.deny(
                "forbidden", path=f"/mcp tools/call {name}"[:200], method="POST", principal=principal, detail=name
            )
            return _error(f"no tool named {name!r} for this key")
        arguments = dict(params.arguments or {})
        run_input = arguments.pop("input", None)
        loop = asyncio.get_running_loop()
        events: asyncio.Queue[Event | None] = asyncio.Queue()

        def listener(event: Event) -> None:
            loop.call_soon_threadsafe(events.put_nowait, event)

        try:
            handle = await asyncio.to_thread(
                self.runs.start, principal, name, run_input, arguments, LimitOverrides(), listener=listener
            )
        except AixgoError as exc:
            return _error(redact(exc.message + (f" ({exc.hint})" if exc.hint else "")))
        handle.on_done(lambda: _call_soon(loop, lambda: events.put_nowait(None)))
        steps = 0
        while (event := await events.get()) is not None:
            if isinstance(event, StepFinished):
                steps += 1
                await ctx.session.report_progress(steps, None, redact(f"{event.agent}: step {event.unit_key} finished"))
        outcome = handle.outcome
        if outcome is None or outcome.status != "completed":
            status = outcome.status if outcome else "failed"
            message = (
                outcome.error.message
                if outcome and outcome.error
                else (handle.error.message if handle.error else status)
            )
            return _error(redact(f"run {handle.run_id} {status}: {message}"))
        result = outcome.result
        text = redact(result if isinstance(result, str) else json.dumps(result, ensure_ascii=False, default=str))
        structured = (
            json.loads(redact(json.dumps(result)))
            if output_schema(self.runs.workflows[name]) and isinstance(result, dict)
            else None
        )
        return types.CallToolResult(
            content=[types.TextContent(text=text if isinstance(result, str | dict | list) else as_text(result))],
            structured_content=structured,
        )


def _call_soon(loop: asyncio.AbstractEventLoop, callback: Callable[[], None]) -> None:
    loop.call_soon_threadsafe(callback)


def _principal(ctx: Any) -> Principal:
    request = getattr(ctx, "request", None)
    principal = request.scope.get(PRINCIPAL) if request is not None else None
    if not isinstance(principal, Principal):
        raise PermissionError("unauthenticated")
    return principal


def _error(message: str) -> Any:
    import mcp_types as types

    return types.CallToolResult(content=[types.TextContent(text=message)], is_error=True)
