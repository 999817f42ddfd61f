"""The seam the browser page plugs into: its routes mounted behind the gate (viewer role or more), a
browser without credentials sent to /login, the public paths open, and `verify_key` on the app's state."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from aixgo_cli.engine.run_limits import LimitOverrides
from aixgo_cli.security.audit import NoAudit
from aixgo_cli.serve.app import ServeLimits, ServerParts, create_app
from aixgo_cli.serve.auth import Authenticator
from aixgo_cli.serve.gate import principal_of
from aixgo_cli.serve.keys import KeyStore
from aixgo_cli.serve.limits import RunSlots
from aixgo_cli.serve.metrics import Metrics
from aixgo_cli.serve.runs import ServedRuns
from aixgo_cli.store.sqlite_journal import SqliteJournal


async def page(request: Request) -> PlainTextResponse:
    return PlainTextResponse(f"runs page for {principal_of(request.scope).name}")


async def login(request: Request) -> PlainTextResponse:
    return PlainTextResponse("login form")


@pytest.fixture
def client(tmp_path: Path) -> Iterator[tuple[TestClient, KeyStore, ServerParts]]:
    keys = KeyStore(tmp_path / "keys.json")
    metrics = Metrics()
    with SqliteJournal(tmp_path / "runs.db") as journal:
        runs = ServedRuns({}, journal, metrics, ceiling=LimitOverrides(), slots=RunSlots(1, 1))
        parts = ServerParts(runs, Authenticator(keys, NoAudit(), metrics), metrics, ServeLimits())
        app = create_app(parts, [Route("/", page), Route("/runs/{run_id}", page), Route("/login", login)])
        with TestClient(app, base_url="http://127.0.0.1:8080", follow_redirects=False) as test_client:
            yield test_client, keys, parts


def test_page_routes_sit_behind_the_gate(client: tuple[TestClient, KeyStore, ServerParts]) -> None:
    http, keys, parts = client
    viewer = keys.create("eve", "viewer")
    sent = http.get("/runs/r1", headers={"Accept": "text/html"})
    assert sent.status_code == 303 and sent.headers["location"] == "/login?next=%2Fruns%2Fr1"
    assert http.get("/runs/r1").status_code == 401  # not a browser: no redirect
    assert http.get("/login").text == "login form"  # public
    http.cookies.set("aixgo_key", viewer)
    assert http.get("/").text == "runs page for eve"
    assert http.app.state.verify_key(viewer).role == "viewer"  # type: ignore[attr-defined]
    assert http.app.state.verify_key("axk_wrong") is None  # type: ignore[attr-defined]
    assert parts.metrics.denied["unauthenticated"] == 2
