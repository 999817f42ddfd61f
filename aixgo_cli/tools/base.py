"""What every tool source produces: a `Tool` the engine can offer to a model and run.

A tool is data plus one function. Sources (Python callables, workspace files, HTTP requests, MCP
servers) differ only in how they build it; the engine journals, limits, screens and audits every tool
the same way because it sees only this shape.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# (host, port) -> the addresses it resolves to; injectable so tests can play a rebinding DNS server.
HostResolver = Callable[[str, int], list[str]]


class ToolCallError(Exception):
    """The call could not be made (unknown tool, bad arguments, a refused request); the model is told
    why, so it can correct itself, and the step goes on."""


class RequestRefused(ToolCallError):
    """An outbound request refused by the SSRF guard; audited as such."""


@dataclass(frozen=True)
class RateLimit:
    requests_per_minute: int


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    schema: Mapping[str, Any]
    idempotent: bool
    run: Callable[[dict[str, Any], str], Any]  # (arguments, idempotency key) -> result
    kind: str = "python"
    timeout_s: float | None = None
    rate_limit: RateLimit | None = None
    # What, besides the workflow text, decides what the tool does (an MCP tool's server and schema):
    # part of the unit's definition hash, so a changed server re-runs the units that use it.
    identity: Mapping[str, Any] | None = None
    times_out_itself: bool = False  # the source enforces `timeout_s` (HTTP, MCP) instead of a watchdog
    close: Callable[[], None] | None = None  # what the tool holds open (HTTP connections), closed at run end


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True)
class ToolContext:
    """What building a tool may need from the run: where the workflow lives and its secrets."""

    base_dir: Path
    resolve_secret: Callable[[str], str]
    resolve_host: HostResolver = system_resolver
    # The run's own directory (workspaces/RUN_ID): the file tools' workspace unless a tool names one.
    run_workspace: Path | None = None
    # The workflow file and the files its producers read: never writable by tools, wherever they work.
    protected_files: tuple[Path, ...] = ()
