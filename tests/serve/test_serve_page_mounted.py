"""The runs page as `aixgo serve` mounts it: its real routes behind the real gate. A browser without a
key is sent to the login form; the form's key becomes the cookie the gate accepts; the list and a run's
page then show the journal's runs; signing out closes them again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from tests.serve_page.page_app import add_run

from aixgo_cli.engine.run_limits import LimitOverrides
from aixgo_cli.security.audit import NoAudit
from aixgo_cli.serve.app import ServeLimits, ServerParts, create_app
from aixgo_cli.serve.auth import Authenticator
from aixgo_cli.serve.keys import KeyStore
from aixgo_cli.serve.limits import RunSlots
from aixgo_cli.serve.metrics import Metrics
from aixgo_cli.serve.page import COOKIE, page_routes
from aixgo_cli.serve.runs import ServedRuns
from aixgo_cli.store.sqlite_journal import SqliteJournal

BASE = "http://127.0.0.1:8080"
HTML = {"accept": "text/html"}


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[TestClient, KeyStore, Path]]:
    keys = KeyStore(tmp_path / "keys.json")
    metrics = Metrics()
    db = tmp_path / "runs.db"
    with SqliteJournal(db) as journal:
        runs = ServedRuns({}, journal, metrics, ceiling=LimitOverrides(), slots=RunSlots(1, 1))
        auth = Authenticator(keys, NoAudit(), metrics)
        parts = ServerParts(runs, auth, metrics, ServeLimits())
        app = create_app(parts, page_routes(db, {}, auth.verify_key, secure_cookie=False))
        with TestClient(app, base_url=BASE, follow_redirects=False) as client:
            yield client, keys, db


def test_a_browser_signs_in_with_a_key_and_sees_the_runs(served: tuple[TestClient, KeyStore, Path]) -> None:
    client, keys, db = served
    with SqliteJournal(db) as journal:
        run_id = add_run(journal, "pipeline", [("answer", "forty-two")], result="forty-two").run_id
    key = keys.create("eve", "viewer")

    sent = client.get(f"/runs/{run_id}", headers=HTML)
    assert sent.status_code == 303 and sent.headers["location"].startswith("/login?next=")

    refused = client.post("/login", data={"key": "axk_wrong", "next": "/"}, headers={"origin": BASE})
    assert refused.status_code == 401 and "axk_wrong" not in refused.text

    signed_in = client.post("/login", data={"key": key, "next": f"/runs/{run_id}"}, headers={"origin": BASE})
    assert signed_in.status_code in (302, 303) and signed_in.headers["location"] == f"/runs/{run_id}"
    assert client.cookies.get(COOKIE) == key

    listing = client.get("/", headers=HTML)
    assert listing.status_code == 200 and run_id[:8] in listing.text and "pipeline" in listing.text
    page = client.get(f"/runs/{run_id}", headers=HTML)
    assert page.status_code == 200 and "forty-two" in page.text

    client.get("/logout")
    client.cookies.clear()
    assert client.get("/", headers=HTML).status_code == 303


def test_a_revoked_key_in_the_cookie_no_longer_opens_the_page(served: tuple[TestClient, KeyStore, Path]) -> None:
    client, keys, _db = served
    key = keys.create("mallory", "viewer")
    client.cookies.set(COOKIE, key)
    assert client.get("/", headers=HTML).status_code == 200
    keys.revoke("mallory")
    assert client.get("/", headers=HTML).status_code == 303
