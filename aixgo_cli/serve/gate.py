"""The ASGI layer in front of every route: authentication, the cookie CSRF rule, the per-key rate limit,
the request body limit and request metrics. Written as plain ASGI so streamed responses (SSE, MCP)
pass through untouched."""

from __future__ import annotations

import json
import time
from collections.abc import MutableMapping
from typing import Any
from urllib.parse import quote

from aixgo_cli.serve.auth import Authenticator, credentials
from aixgo_cli.serve.keys import Principal
from aixgo_cli.serve.limits import RateLimiter, retry_after_header
from aixgo_cli.serve.metrics import Metrics

PUBLIC_PATHS = ("/healthz", "/readyz", "/login", "/logout")
PRINCIPAL = "aixgo.principal"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

Scope = MutableMapping[str, Any]


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith("/static/")


def principal_of(scope: Scope) -> Principal:
    principal = scope.get(PRINCIPAL)
    assert isinstance(principal, Principal), "the gate sets the principal before any route runs"
    return principal


class Gate:
    def __init__(
        self,
        app: Any,
        auth: Authenticator,
        metrics: Metrics,
        limiter: RateLimiter,
        *,
        max_body_bytes: int,
    ) -> None:
        self.app = app
        self.auth = auth
        self.metrics = metrics
        self.limiter = limiter
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.monotonic()
        status_seen: list[int] = []

        async def send_counted(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status_seen.append(int(message["status"]))
            await send(message)

        try:
            await self._handle(scope, receive, send_counted)
        finally:
            self.metrics.request(status_seen[0] if status_seen else 500, time.monotonic() - began)

    async def _handle(self, scope: Scope, receive: Any, send: Any) -> None:
        path: str = scope.get("path", "")
        method: str = scope.get("method", "GET")
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        if is_public(path):
            await self.app(scope, receive, send)
            return
        given = credentials(headers)
        principal = self.auth.identify(given)
        if principal is None:
            self.auth.deny("unauthenticated", path=path, method=method, principal=None, detail=given.via)
            if "text/html" in headers.get("accept", "") and not path.startswith(("/api/", "/mcp")):
                target = path + ("?" + scope["query_string"].decode("latin-1") if scope.get("query_string") else "")
                await _send(send, 303, b"", [(b"location", f"/login?next={quote(target, safe='')}".encode())])
                return
            await _json(
                send,
                401,
                "unauthenticated",
                "send an API key: Authorization: Bearer axk_...",
                [(b"www-authenticate", b'Bearer realm="aixgo"')],
            )
            return
        if given.via == "cookie" and method in UNSAFE_METHODS and not _same_origin(scope, headers):
            self.auth.deny("cross_origin", path=path, method=method, principal=principal)
            await _json(send, 403, "cross_origin", "a request authenticated by cookie must come from this origin")
            return
        if path.startswith("/mcp") and principal.role == "viewer":
            self.auth.deny("forbidden", path=path, method=method, principal=principal, detail="viewer")
            await _json(send, 403, "forbidden", "MCP tools run workflows: use a runner or admin key")
            return
        wait = self.limiter.take(principal.name)
        if wait > 0:
            self.auth.deny("rate_limited", path=path, method=method, principal=principal)
            await _json(
                send,
                429,
                "rate_limited",
                "slow down; retry after the number of seconds in Retry-After",
                [(b"retry-after", retry_after_header(wait).encode())],
            )
            return
        length = headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body_bytes:
            self.auth.deny("too_large", path=path, method=method, principal=principal, detail=length)
            await _json(send, 413, "too_large", f"request bodies are limited to {self.max_body_bytes} bytes")
            return
        scope[PRINCIPAL] = principal
        await self.app(scope, self._bounded(receive, scope, principal), send)

    def _bounded(self, receive: Any, scope: Scope, principal: Principal) -> Any:
        """`receive`, failing a body (chunked, with no Content-Length) that grows past the limit."""
        seen = 0

        async def bounded() -> Any:
            nonlocal seen
            message = await receive()
            if message.get("type") == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body_bytes:
                    self.auth.deny(
                        "too_large", path=scope.get("path", ""), method=scope.get("method", ""), principal=principal
                    )
                    raise BodyTooLarge
            return message

        return bounded


class BodyTooLarge(Exception):
    """A streamed body passed the limit; the app answers 413 (see app.py's exception handler)."""


def _same_origin(scope: Scope, headers: dict[str, str]) -> bool:
    origin = headers.get("origin")
    host = headers.get("host")
    if not origin or not host:
        return False
    scheme = scope.get("scheme", "http")
    return origin == f"{scheme}://{host}"


async def _send(send: Any, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-length", str(len(body)).encode()), *headers],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _json(send: Any, status: int, error: str, hint: str, extra: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps({"error": error, "hint": hint}).encode()
    await _send(send, status, body, [(b"content-type", b"application/json"), *(extra or [])])
