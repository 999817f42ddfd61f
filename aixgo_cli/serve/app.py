"""The server's ASGI application: the API, MCP at /mcp, health, metrics and OpenAPI, behind the gate.

`create_app(...)` takes `page_routes` (the browser page's routes, mounted behind the same gate with at
least the viewer role) and exposes `verify_key` on `app.state` for the page's login form.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aixgo_cli.errors import AixgoError
from aixgo_cli.secrets.redaction import redact
from aixgo_cli.serve.api import Api
from aixgo_cli.serve.api_json import ApiError, error_json, status_for
from aixgo_cli.serve.auth import Authenticator
from aixgo_cli.serve.gate import BodyTooLarge, Gate
from aixgo_cli.serve.keys import Principal
from aixgo_cli.serve.limits import RateLimiter
from aixgo_cli.serve.mcp_tools import McpTools
from aixgo_cli.serve.metrics import Metrics
from aixgo_cli.serve.openapi import openapi_document
from aixgo_cli.serve.runs import Busy, ServedRuns

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import BaseRoute


SHUTDOWN_GRACE_S = 10.0  # how long runs get to record their interruption when the server stops
BUSY_RETRY_AFTER_S = "1"  # no run slot free: runs end at their own pace, so ask again soon


@dataclass(frozen=True)
class ServeLimits:
    requests_per_second: float | None = 20.0
    burst: int = 40
    max_body_bytes: int = 1024 * 1024


@dataclass
class ServerParts:
    runs: ServedRuns
    auth: Authenticator
    metrics: Metrics
    limits: ServeLimits
    loopback_only: bool = True
    on_ready: Callable[[], None] | None = None


def create_app(parts: ServerParts, page_routes: Sequence[BaseRoute] = ()) -> Any:
    from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
    from mcp.server.transport_security import TransportSecuritySettings
    from starlette.applications import Starlette
    from starlette.routing import Mount, Route

    api = Api(parts.runs, parts.auth)
    security = TransportSecuritySettings(
        enable_dns_rebinding_protection=parts.loopback_only,
        allowed_hosts=["127.0.0.1:*", "localhost:*", "[::1]:*"],
        allowed_origins=["http://127.0.0.1:*", "http://localhost:*", "https://127.0.0.1:*", "https://localhost:*"],
    )
    manager = StreamableHTTPSessionManager(
        McpTools(parts.runs, parts.auth).server(),
        stateless=True,
        security_settings=security,
        max_request_body_size=parts.limits.max_body_bytes,
    )
    ready = {"ok": False}

    async def mcp_endpoint(scope: Any, receive: Any, send: Any) -> None:
        await manager.handle_request(scope, receive, send)

    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        async with manager.run():
            ready["ok"] = True
            if parts.on_ready is not None:
                parts.on_ready()
            try:
                yield
            finally:
                ready["ok"] = False
                await asyncio.to_thread(parts.runs.stop_all, SHUTDOWN_GRACE_S)

    async def healthz(request: Request) -> Response:
        return _json({"status": "ok"})

    async def readyz(request: Request) -> Response:
        return _json({"status": "ready" if ready["ok"] else "starting"}, 200 if ready["ok"] else 503)

    async def metrics(request: Request) -> Response:
        from starlette.responses import Response

        return Response(redact(parts.metrics.render()), media_type="text/plain; version=0.0.4; charset=utf-8")

    async def openapi(request: Request) -> Response:
        return _json(openapi_document(sorted(parts.runs.workflows)))

    routes: list[BaseRoute] = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
        Route("/openapi.json", openapi, methods=["GET"]),
        *api.routes(),
        Mount("/mcp", app=mcp_endpoint),
        *page_routes,
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={ApiError: _api_error, AixgoError: _aixgo_error, BodyTooLarge: _too_large},
    )
    app.state.verify_key = parts.auth.verify_key
    limiter = RateLimiter(parts.limits.requests_per_second, parts.limits.burst)
    gated = Gate(app, parts.auth, parts.metrics, limiter, max_body_bytes=parts.limits.max_body_bytes)
    gated.state = app.state  # type: ignore[attr-defined]  # the page reads verify_key from here too
    return gated


def verify_key(parts: ServerParts) -> Callable[[str], Principal | None]:
    return parts.auth.verify_key


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return _json({"error": exc.error, "hint": exc.hint}, exc.status)


async def _aixgo_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AixgoError)
    response = _json(error_json(exc), status_for(exc))
    if isinstance(exc, Busy):
        response.headers["retry-after"] = BUSY_RETRY_AFTER_S
    return response


async def _too_large(request: Request, exc: Exception) -> Response:
    return _json({"error": "too_large", "hint": "send a smaller body"}, 413)


def _json(body: dict[str, Any], status: int = 200) -> Response:
    from starlette.responses import Response

    return Response(redact(json.dumps(body, ensure_ascii=False)), status, media_type="application/json")
