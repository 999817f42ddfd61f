"""`type: http` tools: one HTTP request per call, behind the SSRF guard (ssrf.py).

The URL is a template: `{{ args.NAME }}` is replaced by the model's argument, percent-encoded. Other
arguments become the query string (GET, DELETE) or a JSON body (POST, PUT, PATCH). The method is fixed
by the workflow; the model chooses only the arguments.

Every request, and every redirect, is vetted: the host is resolved once, refused if any address is
private/loopback/metadata/... (unless allowlisted), and the connection goes to the vetted address while
the request keeps the original Host header and TLS server name (SNI), so the certificate is still checked
against the host name and a second DNS answer cannot redirect the connection. Proxies from the
environment are not used, for the same reason. Ports outside `allow_ports` (default 80, 443 and the
port written in the URL) are refused. The body is read up to `max_response_bytes`, within `timeout` for
the whole exchange. Header values that come from secrets are sent only to the URL's own origin: a
redirect to another host drops them.

This module is the only one that imports `httpx`, inside the call, so loading a workflow stays cheap.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode, urljoin, urlsplit

from aixgo_cli.tools.base import HostResolver, RequestRefused, Tool, ToolCallError, ToolContext
from aixgo_cli.tools.ssrf import Allowlist, vet

DEFAULT_TIMEOUT_S = 30.0
DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024
MAX_REDIRECTS = 5
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_PLACEHOLDER = re.compile(r"\{\{\s*args\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


class Clients:
    """One HTTP client per host name, kept for the tool's life: building one (its TLS context) costs
    tens of milliseconds. Per host, because a pooled TLS connection was verified for the name it was
    opened for and must not carry requests for another name that resolves to the same address."""

    def __init__(self) -> None:
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    def for_host(self, host: str) -> Any:
        import httpx

        with self._lock:
            client = self._clients.get(host)
            if client is None:
                client = httpx.Client(follow_redirects=False, trust_env=False)
                self._clients[host] = client
            return client

    def close(self) -> None:
        with self._lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()


@dataclass(frozen=True)
class HttpSpec:
    url: str
    method: str
    headers: Mapping[str, str]
    secret_headers: frozenset[str]  # names of headers whose value is a secret
    allow: Allowlist
    allow_ports: frozenset[int]
    timeout_s: float
    max_bytes: int
    resolve: HostResolver
    clients: Clients = field(default_factory=Clients, compare=False)


def build(definition: Mapping[str, Any], context: ToolContext) -> Tool:
    from aixgo_cli.config.durations import optional_duration

    url = str(definition["url"])
    method = str(definition.get("method", "GET")).upper()
    headers: dict[str, str] = {}
    secret_headers: set[str] = set()
    for name, value in dict(definition.get("headers") or {}).items():
        if isinstance(value, Mapping):
            headers[name] = context.resolve_secret(str(value["secret"]))
            secret_headers.add(name.lower())
        else:
            headers[name] = str(value)
    written_port = urlsplit(_PLACEHOLDER.sub("x", url)).port
    ports = {int(p) for p in definition.get("allow_ports") or (80, 443)} | ({written_port} if written_port else set())
    spec = HttpSpec(
        url=url,
        method=method,
        headers=headers,
        secret_headers=frozenset(secret_headers),
        allow=Allowlist.of(list(definition.get("allow_hosts") or [])),
        allow_ports=frozenset(ports),
        timeout_s=optional_duration(definition.get("timeout")) or DEFAULT_TIMEOUT_S,
        max_bytes=int(definition.get("max_response_bytes") or DEFAULT_MAX_RESPONSE_BYTES),
        resolve=context.resolve_host,
    )
    return Tool(
        str(definition["name"]),
        str(definition.get("description") or f"{method} {url}"),
        definition.get("input_schema") or derived_schema(url, method),
        bool(definition.get("idempotent", method in ("GET", "PUT", "DELETE"))),
        lambda args, _key: request(spec, args),
        kind="http",
        times_out_itself=True,
        close=spec.clients.close,
    )


def derived_schema(url: str, method: str) -> dict[str, Any]:
    names = list(dict.fromkeys(_PLACEHOLDER.findall(url)))
    properties: dict[str, Any] = {name: {"type": "string"} for name in names}
    if method in BODY_METHODS:
        properties["body"] = {"type": "object", "description": "JSON body of the request."}
    schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    if names:
        schema["required"] = names
    return schema


def render_url(template: str, args: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """The URL with placeholders filled in, and the arguments it did not use."""
    used: set[str] = set()

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in args:
            raise ToolCallError(f"missing argument '{name}' for the URL")
        used.add(name)
        value = args[name]
        return quote(value if isinstance(value, str) else json.dumps(value), safe="")

    url = _PLACEHOLDER.sub(fill, template)
    return url, {k: v for k, v in args.items() if k not in used}


def request(spec: HttpSpec, args: Mapping[str, Any]) -> str:

    url, rest = render_url(spec.url, args)
    body: Any = None
    if spec.method in BODY_METHODS:
        body = rest.pop("body", rest or None) if "body" in rest else (rest or None)
    elif rest:
        url += ("&" if "?" in url else "?") + urlencode(
            {k: v if isinstance(v, str) else json.dumps(v) for k, v in rest.items()}
        )
    deadline = time.monotonic() + spec.timeout_s
    method = spec.method
    origin = _origin(url)
    for _ in range(MAX_REDIRECTS + 1):
        same_origin = _origin(url) == origin
        headers = {k: v for k, v in spec.headers.items() if same_origin or k.lower() not in spec.secret_headers}
        response = _send(spec, method, url, headers, body, deadline)
        try:
            location = response.headers.get("location")
            if response.status_code in (301, 302, 303, 307, 308) and location:
                url = urljoin(url, location)
                if response.status_code in (301, 302, 303) and method != "HEAD":
                    method, body = "GET", None
                continue
            data = _read_limited(response, spec.max_bytes, deadline)
        finally:
            response.close()
        return _as_text(response.status_code, response.headers.get("content-type", ""), data)
    raise ToolCallError(f"more than {MAX_REDIRECTS} redirects")


def _send(spec: HttpSpec, method: str, url: str, headers: dict[str, str], body: Any, deadline: float) -> Any:
    import httpx

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RequestRefused(f"refused: {url} is not an http(s) URL")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if port not in spec.allow_ports:
        raise RequestRefused(f"refused: port {port} is not allowed; add it to the tool's allow_ports")
    address = vet(parts.hostname, port, spec.allow, spec.resolve)
    pinned_host = f"[{address}]" if ":" in address else address
    pinned = parts._replace(netloc=f"{pinned_host}:{port}").geturl()
    name = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    host_header = name if parts.port is None else f"{name}:{parts.port}"
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise ToolCallError(f"the request took longer than {spec.timeout_s:g}s")
    client = spec.clients.for_host(parts.hostname)
    request = client.build_request(
        method,
        pinned,
        headers={**headers, "Host": host_header},
        json=body,
        extensions={"sni_hostname": parts.hostname, "timeout": httpx.Timeout(remaining).as_dict()},
    )
    try:
        return client.send(request, stream=True)
    except httpx.TimeoutException:
        raise ToolCallError(f"the request took longer than {spec.timeout_s:g}s") from None
    except httpx.HTTPError as exc:
        raise ToolCallError(f"the request failed: {type(exc).__name__}: {exc}") from None


def _read_limited(response: Any, limit: int, deadline: float) -> bytes:
    import httpx

    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise ToolCallError(f"the response is larger than {limit} bytes (max_response_bytes)")
            if time.monotonic() > deadline:
                raise ToolCallError("the response took too long to arrive")
            chunks.append(chunk)
    except httpx.TimeoutException:
        raise ToolCallError("the response took too long to arrive") from None
    except httpx.HTTPError as exc:
        raise ToolCallError(f"reading the response failed: {exc}") from None
    return b"".join(chunks)


def _as_text(status: int, content_type: str, data: bytes) -> str:
    kind = content_type.split(";", 1)[0].strip().lower()
    textual = not kind or kind.startswith("text/") or kind.endswith(("json", "xml", "javascript", "yaml"))
    body = data.decode("utf-8", errors="replace") if textual else f"[{len(data)} bytes of {kind}, not shown]"
    return f"HTTP {status}\n{body}"


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), parts.port
