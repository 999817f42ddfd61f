"""The runs page: a read-only view of the journal for a browser, served next to the HTTP API.

`page_routes` gives the routes; the server mounts them behind its auth middleware, which accepts the
`aixgo_key` cookie set by `POST /login` like a bearer token and protects `/` and `/runs/*` (`/login` and
`/logout` are public). The page is server-rendered HTML with one small inline script that only refreshes
a run's page from its live stream: everything works without JavaScript.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from aixgo_cli.config.model import Workflow
from aixgo_cli.errors import AixgoError
from aixgo_cli.secrets.redaction import redact
from aixgo_cli.serve.page.html import document, esc, security_headers
from aixgo_cli.serve.page.list_html import list_page
from aixgo_cli.serve.page.live import live_response
from aixgo_cli.serve.page.login import COOKIE, make_login, make_logout, show_login
from aixgo_cli.serve.page.run_html import run_page
from aixgo_cli.serve.page.views import RunNotFound, find_run_id, list_runs, parse_status, run_detail

__all__ = ["COOKIE", "page_routes"]


def page_routes(
    journal_path: Path,
    workflows: Mapping[str, Workflow],
    verify_key: Callable[[str], object | None],
    *,
    secure_cookie: bool,
) -> list[BaseRoute]:
    """`GET /`, `GET /runs/{run_id}`, `GET /runs/{run_id}/live`, `GET|POST /login`, `GET /logout`."""

    async def runs(request: Request) -> Response:
        try:
            status = parse_status(request.query_params.get("status"))
        except ValueError as error:
            return _html(list_page([], None, str(error)), 400)
        try:
            views = await run_in_threadpool(list_runs, journal_path, status)
        except AixgoError as error:
            return _unreadable(error)
        return _html(list_page(views, status))

    async def run(request: Request) -> Response:
        run_id = request.path_params["run_id"]
        try:
            detail = await run_in_threadpool(run_detail, journal_path, run_id)
        except RunNotFound as missing:
            return _not_found(str(missing))
        except AixgoError as error:
            return _unreadable(error)
        return _html(run_page(detail, _workflow_of(workflows, detail.run.workflow_name)))

    async def live(request: Request) -> Response:
        run_id = request.path_params["run_id"]
        try:
            full_id = await run_in_threadpool(find_run_id, journal_path, run_id)
        except RunNotFound as missing:
            return _not_found(str(missing))
        except AixgoError as error:
            return _unreadable(error)
        return live_response(request, journal_path, full_id, request.query_params.get("since", ""))

    return [
        Route("/", runs, methods=["GET"]),
        Route("/runs/{run_id}", run, methods=["GET"]),
        Route("/runs/{run_id}/live", live, methods=["GET"]),
        Route("/login", show_login, methods=["GET"]),
        Route("/login", make_login(verify_key, secure_cookie=secure_cookie), methods=["POST"]),
        Route("/logout", make_logout(secure_cookie=secure_cookie), methods=["GET"]),
    ]


def _workflow_of(workflows: Mapping[str, Workflow], name: str) -> Workflow | None:
    found = workflows.get(name)
    if found is not None:
        return found
    return next((w for w in workflows.values() if w.name == name), None)


def _html(text: str, status: int = 200) -> Response:
    return HTMLResponse(text, status_code=status, headers=security_headers())


def _not_found(message: str) -> Response:
    body = f'<h1>Run not found</h1><p class="error" role="alert">{esc(message)}</p><p><a href="/">All runs</a></p>'
    return _html(document("Run not found", body), 404)


def _unreadable(error: AixgoError) -> Response:
    """The journal is damaged or of a newer format: the server's operator must act, not the reader."""
    hint = f"<p>{esc(redact(error.hint))}</p>" if error.hint else ""
    message = esc(redact(error.message))
    body = f'<h1>The run journal cannot be read</h1><p class="error" role="alert">{message}</p>{hint}'
    return _html(document("Journal unavailable", body), 503)
