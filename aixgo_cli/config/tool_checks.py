"""Tool definitions `run` would refuse, reported by `validate` with their line: an http tool's URL and
allowlist, the arguments its URL names, and screening settings on roles that read no text."""

from __future__ import annotations

import ipaddress
import re
from typing import Any
from urllib.parse import urlsplit

from aixgo_cli.config.context import CheckContext, named_entries

URL_ARGUMENT = re.compile(r"\{\{\s*args\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
ROLES_WITHOUT_MODEL = ("logger", "producer")
# Keys that only one kind of tool reads; on another kind they would be silently ignored.
TYPE_KEYS: dict[str, tuple[str, ...]] = {
    "callable": ("python",),
    "url": ("http",),
    "method": ("http",),
    "headers": ("http",),
    "allow_hosts": ("http",),
    "allow_ports": ("http",),
    "max_response_bytes": ("http",),
    "workspace": ("read_file", "write_file"),
}


def allow_entry_problem(entry: str) -> str | None:
    """Why an `allow_hosts` entry cannot be used, or None: a host name, an address, or a CIDR network,
    the first two optionally followed by `:PORT`."""
    text = entry.strip().lower()
    if not text:
        return "an empty entry"
    if "/" in text:
        try:
            ipaddress.ip_network(text, strict=False)
        except ValueError:
            return f"'{entry}' is not a network in CIDR form (e.g. 10.0.0.0/8)"
        return None
    host, port = text, ""
    if text.startswith("["):
        host, _, port = text[1:].partition("]")
        port = port.removeprefix(":")
    elif text.count(":") == 1:
        host, port = text.split(":")
    if port and not (port.isdigit() and 0 < int(port) < 65536):
        return f"'{entry}' has an invalid port"
    if ":" in host:
        try:
            ipaddress.ip_address(host)
        except ValueError:
            return f"'{entry}' is not an address"
    elif not re.fullmatch(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?", host):
        return f"'{entry}' is not a host name"
    return None


def check_tools(ctx: CheckContext) -> None:
    for entry in named_entries(ctx.data, "tools"):
        kind = entry.body.get("type")
        if kind == "http":
            _check_http(ctx, entry.index, entry.body)
        for key, kinds in TYPE_KEYS.items():
            if key in entry.body and isinstance(kind, str) and kind not in kinds:
                ctx.warning(
                    ("tools", entry.index, key),
                    "unused-key",
                    f"tool '{entry.name}' has type {kind}, which does not read `{key}` (only {' and '.join(kinds)} do)",
                    f"remove {key}, or change the tool's type",
                    at_key=True,
                )
    for agent in ctx.all_agents:
        if agent.body.get("role") in ROLES_WITHOUT_MODEL and "prompt_injection" in agent.body:
            ctx.warning(
                ("agents", agent.index, "prompt_injection"),
                "unused-key",
                f"agent '{agent.name}' is a {agent.body.get('role')}, which calls no model: prompt_injection "
                "has no effect",
                "remove prompt_injection, or set it on the agents that read this text",
                at_key=True,
            )


def _check_http(ctx: CheckContext, index: int, body: dict[str, Any]) -> None:
    base = ("tools", index)
    url = body.get("url")
    if isinstance(url, str):
        parts = urlsplit(URL_ARGUMENT.sub("x", url))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            ctx.error(
                (*base, "url"),
                "http-url",
                f"tool '{body.get('name')}': url must be an http:// or https:// URL with a host",
                "write the full URL, e.g. https://api.example.com/items/{{ args.id }}",
            )
        schema = body.get("input_schema")
        properties = schema.get("properties") if isinstance(schema, dict) else None
        if isinstance(properties, dict):
            for name in dict.fromkeys(URL_ARGUMENT.findall(url)):
                if name not in properties:
                    ctx.error(
                        (*base, "url"),
                        "unknown-argument",
                        f"tool '{body.get('name')}': url uses args.{name}, which input_schema does not define",
                        f"add {name} to input_schema.properties, or remove it from the url",
                    )
    hosts = body.get("allow_hosts")
    if isinstance(hosts, list):
        for position, host in enumerate(hosts):
            problem = allow_entry_problem(host) if isinstance(host, str) else None
            if problem is not None:
                ctx.error(
                    (*base, "allow_hosts", position),
                    "invalid-allow-host",
                    f"tool '{body.get('name')}': allow_hosts entry {problem}",
                    "use a host name, an address or a CIDR network, optionally with :PORT (e.g. 10.0.0.0/8)",
                )
