"""The runs page as the server mounts it, for tests: `page_routes` in a Starlette app, behind a small
cookie check that stands in for the server's auth middleware (it accepts the `aixgo_key` cookie or a
bearer token for `/` and `/runs/*`, and sends a browser without one to the login form), and a journal
filled through the journal's own API."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from aixgo_cli.config.model import Workflow
from aixgo_cli.serve.page import COOKIE, page_routes
from aixgo_cli.store.leases import new_owner
from aixgo_cli.store.records import RunRecord
from aixgo_cli.store.sqlite_journal import SqliteJournal

VIEWER_KEY = "axg_viewer_test_key_0123456789"


class CookieCheck(BaseHTTPMiddleware):
    def __init__(self, app: object, keys: set[str]) -> None:
        super().__init__(app)  # type: ignore[arg-type]
        self.keys = keys

    async def dispatch(self, request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        path = request.url.path
        if path == "/" or path.startswith("/runs/"):
            bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
            if request.cookies.get(COOKIE) not in self.keys and bearer not in self.keys:
                if "text/html" in request.headers.get("accept", ""):
                    return RedirectResponse(f"/login?next={quote(str(request.url.path))}", status_code=303)
                return PlainTextResponse("unauthorized", status_code=401)
        return await call_next(request)


def make_app(journal_path: Path, workflows: Mapping[str, Workflow] | None = None, *, secure: bool = False) -> Starlette:
    keys = {VIEWER_KEY}

    def verify_key(key: str) -> object | None:
        return {"role": "viewer"} if key in keys else None

    routes = page_routes(journal_path, workflows or {}, verify_key, secure_cookie=secure)
    return Starlette(routes=routes, middleware=[Middleware(CookieCheck, keys=keys)])


def add_run(
    journal: SqliteJournal,
    workflow: str,
    steps: list[tuple[str, object]],
    *,
    status: str = "completed",
    result: object = None,
    error: str | None = None,
) -> RunRecord:
    """A run with completed steps (place, output), finished with `status` (or left running, with a lease
    held by this process so it is not shown as stale)."""
    run = RunRecord.start(
        workflow_name=workflow, workflow_path=f"/w/{workflow}.yaml", workflow_hash="h", params_json="{}"
    )
    journal.create_run(run)
    for index, (place, output) in enumerate(steps):
        key = f"{place}#{index}"
        journal.start_unit(run.run_id, key, place=place, input_hash="i", definition_hash="d")
        journal.complete_unit(run.run_id, key, json.dumps(output), tokens_in=10, tokens_out=5, cost_usd=0.001)
    if status == "running":
        journal.acquire_lease(run.run_id, new_owner(), 600)
        return run
    journal.update_run(
        run.run_id,
        status=status,  # type: ignore[arg-type]
        result_json=None if result is None else json.dumps(result),
        error=error,
        steps=len(steps),
        tokens_in=10 * len(steps),
        tokens_out=5 * len(steps),
        cost_usd=0.001 * len(steps),
    )
    stored = journal.get_run(run.run_id)
    assert stored is not None
    return stored
