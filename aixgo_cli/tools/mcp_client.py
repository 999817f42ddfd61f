"""MCP sessions on one background event loop, callable from the engine's lane threads.

Why a thread with its own loop: the engine runs lanes as plain threads, while the `mcp` SDK is async and
its transports (anyio task groups, the stdio child process) must be entered and left by the same task.
So each server gets one long-lived task on the hub's loop that opens the session, lists the tools, then
waits for the stop signal and closes it; calls from any thread are bridged onto that loop with
`asyncio.run_coroutine_threadsafe`. `close()` stops every session (the SDK closes a stdio server's
stdin, then terminates and if need be kills it), then the loop and its thread.

This module is the only one that imports `mcp` and `httpx2` (the HTTP library the SDK uses), and only
inside functions, so `aixgo --help` and `validate` never load them.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import sys
import tempfile
import threading
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from aixgo_cli.errors import RunError, resume_step

DEFAULT_START_TIMEOUT_S = 30.0
DEFAULT_CALL_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0
STDERR_TAIL_BYTES = 2000


@dataclass(frozen=True)
class McpServerConfig:
    """One `mcp_servers` entry with its secret references already resolved."""

    name: str
    transport: str  # stdio | streamable_http
    command: str = ""
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    cwd: str | None = None
    url: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    timeout_s: float = DEFAULT_CALL_TIMEOUT_S
    start_timeout_s: float | None = None  # default: the hub's


@dataclass(frozen=True)
class McpToolInfo:
    server: str
    name: str
    description: str
    input_schema: Mapping[str, Any]


@dataclass(frozen=True)
class McpResult:
    """A tool result in the form the model sees: text, or the structured content as JSON."""

    text: str
    is_error: bool


class McpServerError(RunError):
    """A server failed to start, crashed or stopped answering; the run fails (exit 1) and can resume."""


class McpHub:
    def __init__(self, start_timeout_s: float = DEFAULT_START_TIMEOUT_S) -> None:
        self.start_timeout_s = start_timeout_s
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._clients: dict[str, Any] = {}
        self._stops: dict[str, asyncio.Event] = {}
        self._tasks: dict[str, concurrent.futures.Future[None]] = {}
        # Set when a session task has left its transport (a stdio server is stopped by then); a cancelled
        # task's future says "cancelled" at once, before that cleanup has run, so it cannot tell.
        self._finished: dict[str, threading.Event] = {}
        self._stderr: dict[str, IO[str]] = {}
        self._configs: dict[str, McpServerConfig] = {}

    # Lifecycle ---------------------------------------------------------------------------------------

    def start(self, servers: list[McpServerConfig]) -> dict[str, list[McpToolInfo]]:
        """Start every server and list its tools; a server that cannot start stops the run (exit 1)."""
        if not servers:
            return {}
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._thread = threading.Thread(target=loop.run_forever, name="aixgo-mcp", daemon=True)
        self._thread.start()
        listed: dict[str, list[McpToolInfo]] = {}
        for config in servers:
            self._configs[config.name] = config
            ready: concurrent.futures.Future[list[McpToolInfo]] = concurrent.futures.Future()
            self._finished[config.name] = threading.Event()
            self._tasks[config.name] = asyncio.run_coroutine_threadsafe(self._serve(config, ready), loop)
            limit = config.start_timeout_s or self.start_timeout_s
            try:
                listed[config.name] = ready.result(timeout=limit)
            except concurrent.futures.TimeoutError:
                raise McpServerError(
                    f"MCP server '{config.name}' did not finish starting within {limit:g}s"
                    + self._stderr_tail(config.name),
                    hint="check that its command starts an MCP server (try running it yourself); then:",
                    next_step=resume_step(),
                ) from None
            except McpServerError:
                raise
            except Exception as exc:
                raise McpServerError(
                    f"MCP server '{config.name}' could not start: {_describe(exc)}" + self._stderr_tail(config.name),
                    hint=_start_hint(config),
                    next_step=resume_step(),
                ) from None
        return listed

    def close(self) -> None:
        """Stop every server and the loop; bounded in time, safe to call twice."""
        loop = self._loop
        if loop is None:
            return
        for stop in self._stops.values():
            loop.call_soon_threadsafe(stop.set)
        for name, task in self._tasks.items():
            finished = self._finished[name]
            if not finished.wait(STOP_TIMEOUT_S):  # still starting (a server that never answers): cancel it,
                task.cancel()  # which leaves its transport and so stops the process too
                finished.wait(STOP_TIMEOUT_S)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=STOP_TIMEOUT_S)
        if not loop.is_running():
            loop.close()
        for errlog in self._stderr.values():
            errlog.close()
        self._loop = None

    # Calls -------------------------------------------------------------------------------------------

    def call(self, server: str, tool: str, arguments: dict[str, Any], timeout_s: float | None = None) -> McpResult:
        loop, client = self._loop, self._clients.get(server)
        config = self._configs[server]
        timeout = timeout_s if timeout_s is not None else config.timeout_s
        if loop is None or client is None or self._tasks[server].done():
            raise McpServerError(
                f"MCP server '{server}' is not running (it stopped or crashed)" + self._stderr_tail(server),
                hint="fix the server, then:",
                next_step=resume_step(),
            )
        future = asyncio.run_coroutine_threadsafe(client.call_tool(tool, arguments, read_timeout_seconds=timeout), loop)
        try:
            result = future.result(timeout=timeout + 5.0)
        except (concurrent.futures.TimeoutError, TimeoutError):
            future.cancel()
            raise McpServerError(
                f"MCP server '{server}' did not answer a call to {tool} within {timeout:g}s",
                hint="raise the server's `timeout`, or fix the server; then:",
                next_step=resume_step(),
            ) from None
        except Exception as exc:
            if _is_timeout(exc):
                raise McpServerError(
                    f"MCP server '{server}' did not answer a call to {tool} within {timeout:g}s",
                    hint="raise the server's `timeout`, or fix the server; then:",
                    next_step=resume_step(),
                ) from None
            if _is_protocol_error(exc):  # the server answered with a JSON-RPC error: news for the model
                return McpResult(f"{_describe(exc)}", is_error=True)
            raise McpServerError(
                f"MCP server '{server}' failed during a call to {tool}: {_describe(exc)}" + self._stderr_tail(server),
                hint="fix the server, then:",
                next_step=resume_step(),
            ) from None
        return McpResult(result_text(result), bool(result.is_error))

    # On the loop -------------------------------------------------------------------------------------

    async def _serve(self, config: McpServerConfig, ready: concurrent.futures.Future[list[McpToolInfo]]) -> None:
        from mcp import Client

        stop = asyncio.Event()
        self._stops[config.name] = stop
        try:
            async with Client(self._transport(config)) as client:
                tools = await _list_tools(client, config.name)
                self._clients[config.name] = client
                ready.set_result(tools)
                await stop.wait()
        except BaseException as exc:
            if not ready.done():
                ready.set_exception(exc if isinstance(exc, Exception) else RuntimeError(repr(exc)))
            if not isinstance(exc, Exception):
                raise
        finally:
            self._clients.pop(config.name, None)
            self._finished[config.name].set()

    def _transport(self, config: McpServerConfig) -> Any:
        if config.transport == "stdio":
            from mcp.client.stdio import StdioServerParameters, stdio_client

            errlog = tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace")  # noqa: SIM115 - closed in close()
            self._stderr[config.name] = errlog
            params = StdioServerParameters(
                command=python_command(config.command),
                args=list(config.args),
                env=dict(config.env) or None,
                cwd=config.cwd,
            )
            return stdio_client(params, errlog=errlog)
        return _http_transport(config)

    def _stderr_tail(self, name: str) -> str:
        errlog = self._stderr.get(name)
        if errlog is None or errlog.closed:
            return ""
        with contextlib.suppress(OSError, ValueError):
            errlog.flush()
            size = errlog.seek(0, os.SEEK_END)
            errlog.seek(max(0, size - STDERR_TAIL_BYTES))
            tail = errlog.read().strip()
            if tail:
                return f"; its last output on stderr:\n{tail}"
        return ""


@contextlib.asynccontextmanager
async def _http_transport(config: McpServerConfig) -> AsyncIterator[Any]:
    import httpx2
    from mcp.client.streamable_http import streamable_http_client

    timeout = httpx2.Timeout(config.timeout_s, read=max(config.timeout_s, 300.0))
    async with (
        httpx2.AsyncClient(headers=dict(config.headers), timeout=timeout) as http,
        streamable_http_client(config.url, http_client=http) as streams,
    ):
        yield streams


async def _list_tools(client: Any, server: str) -> list[McpToolInfo]:
    tools: list[McpToolInfo] = []
    cursor: str | None = None
    while True:
        page = await client.list_tools(cursor=cursor)
        for tool in page.tools:
            tools.append(McpToolInfo(server, tool.name, tool.description or "", dict(tool.input_schema)))
        cursor = page.next_cursor
        if not cursor:
            return tools


def result_text(result: Any) -> str:
    """Text blocks joined by blank lines; without text, the structured content as JSON; other blocks
    (images, audio, resources) are named, not inlined, since the model cannot use base64 in text."""
    import json

    parts: list[str] = []
    for block in result.content:
        kind = getattr(block, "type", "")
        if kind == "text":
            parts.append(block.text)
        elif kind == "resource":
            resource = block.resource
            parts.append(getattr(resource, "text", None) or f"[resource {resource.uri}]")
        elif kind == "resource_link":
            parts.append(f"[resource link {block.uri}]")
        else:
            parts.append(f"[{kind} content, {getattr(block, 'mime_type', 'unknown type')}, not shown]")
    if not parts and result.structured_content is not None:
        return json.dumps(result.structured_content, ensure_ascii=False, sort_keys=True)
    return "\n\n".join(parts)


def python_command(command: str) -> str:
    """`python` / `python3` mean the interpreter running aixgo, so a server installed beside aixgo is
    found whatever PATH says."""
    return sys.executable if command in ("python", "python3") else command


def _describe(exc: BaseException) -> str:
    if isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        return _describe(exc.exceptions[0])
    text = str(exc) or type(exc).__name__
    return text if len(text) < 500 else text[:497] + "..."


def _is_timeout(exc: BaseException) -> bool:
    if isinstance(exc, BaseExceptionGroup):
        return any(_is_timeout(e) for e in exc.exceptions)
    from mcp import MCPError

    if isinstance(exc, MCPError) and exc.code == -32001:  # the SDK's request timeout code
        return True
    return isinstance(exc, TimeoutError) or "timed out" in str(exc).lower()


def _is_protocol_error(exc: BaseException) -> bool:
    from mcp import MCPError

    connection_closed = -32000
    return isinstance(exc, MCPError) and exc.code not in (connection_closed, -32001)


def _start_hint(config: McpServerConfig) -> str:
    if config.transport == "stdio":
        return (
            f"check that `{config.command}` is installed and starts an MCP server over stdio (run it yourself "
            "to see); then:"
        )
    return f"check that an MCP server answers at {config.url}; then:"


def stdio_server_cwd(base_dir: Path, cwd: str | None) -> str:
    return str((base_dir / cwd).resolve()) if cwd else str(base_dir)
