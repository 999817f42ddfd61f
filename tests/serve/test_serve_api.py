"""The HTTP API of a real `aixgo serve` against the stub model: runs started sync and async, read, followed
over SSE, resumed, answered and cancelled; keys, roles and allowlists; 401/403/413; denials audited; and
the planted provider key nowhere in what the server sends or stores."""

from __future__ import annotations

import base64
import json
import secrets
import sqlite3
import time
import urllib.parse
from collections.abc import Callable, Iterator

import pytest
from tests.serve.served import Served, make_key, start_server, workflow
from tests.support.e2e import make_cli, stub_service

from aixgo_cli.testing.stub_model_server import StubModelServer

pytestmark = pytest.mark.slow

PLANTED = "sk-planted-" + secrets.token_hex(12)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, stub_server: StubModelServer) -> Iterator[Served]:
    cli = make_cli(tmp_path_factory.mktemp("serve-api"))
    cli.env["STUB_API_KEY"] = PLANTED
    service = stub_service(stub_server)
    workflow(cli, "echo", service)
    workflow(cli, "two", service, steps=2)
    workflow(cli, "other", service)
    (cli.workdir / "refunds.py").write_text(
        "def refund(order: str) -> str:\n    '''Refund an order.'''\n    return f'refunded {order}'\n"
    )
    hitl = (
        f"version: 1\nname: hitl\n{service}"
        "tools:\n  - name: refund\n    type: python\n    callable: refunds:refund\n"
        "agents:\n  - name: clerk\n    role: react\n    model: stub\n    tools: [refund]\n"
        "    guided_config: {require_confirmation: true}\n"
    )
    (cli.workdir / "hitl.yaml").write_text(hitl)
    server = start_server(cli, str(cli.workdir), "--max-body-bytes", "4096", "--rate", "1000")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def keys(served: Served) -> dict[str, str]:
    cli = served.cli
    return {
        "runner": make_key(cli, "runner", "runner"),
        "viewer": make_key(cli, "viewer", "viewer"),
        "only-other": make_key(cli, "only-other", "runner", workflows=["other"]),
        "admin": make_key(cli, "admin", "admin"),
    }


def until(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("the condition never held")


def status_of(served: Served, key: str, run_id: str) -> str:
    return str(served.request("GET", f"/api/v1/runs/{run_id}", key=key).json()["status"])


def test_without_a_key_the_api_answers_401_and_a_browser_is_sent_to_login(served: Served) -> None:
    reply = served.request("GET", "/api/v1/runs")
    assert reply.status == 401 and reply.headers["www-authenticate"].startswith("Bearer")
    assert served.request("GET", "/api/v1/runs", key="axk_not-a-key").status == 401
    page = served.request("GET", "/runs/x?tab=1", headers={"Accept": "text/html"})
    assert page.status == 303
    assert page.headers["location"] == "/login?next=" + urllib.parse.quote("/runs/x?tab=1", safe="")
    assert served.request("GET", "/healthz").json() == {"status": "ok"}
    assert served.request("GET", "/readyz").status == 200


def test_a_sync_run_answers_with_its_result(served: Served, keys: dict[str, str], stub: StubModelServer) -> None:
    reply = served.request("POST", "/api/v1/workflows/echo/runs", key=keys["runner"], body={"input": "hi", "wait": 60})
    assert reply.status == 200, reply.body
    run = reply.json()
    assert (run["status"], run["result"], run["exit_code"]) == ("completed", "stub: Step 0: hi", 0)
    listed = served.cli.runs()
    assert any(r["run_id"] == run["run_id"] and r["status"] == "completed" for r in listed)  # aixgo runs list


def test_an_async_run_is_followed_over_sse_then_read(
    served: Served, keys: dict[str, str], stub: StubModelServer
) -> None:
    key = keys["runner"]
    started = served.request("POST", "/api/v1/workflows/two/runs", key=key, body={"input": "go"})
    assert started.status == 202
    run_id = started.json()["run_id"]
    stream = served.request("GET", f"/api/v1/runs/{run_id}/events", key=key).body.decode()
    kinds = [line.removeprefix("event: ") for line in stream.splitlines() if line.startswith("event: ")]
    assert kinds[0] == "served" and "run_started" in kinds and kinds[-2:] == ["run_finished", "end"]
    assert kinds.count("step_finished") == 2
    assert (
        served.request("GET", f"/api/v1/runs/{run_id}/result", key=key).json()["result"]
        == "stub: Step 1: stub: Step 0: go"
    )
    steps = served.request("GET", f"/api/v1/runs/{run_id}/steps", key=keys["viewer"]).json()["steps"]
    assert [s["place"] for s in steps] == ["main/step0", "main/step1"]
    again = served.request(
        "GET", f"/api/v1/runs/{run_id}/events", key=key, headers={"Last-Event-ID": "3"}
    ).body.decode()
    assert "id: 1\n" not in again and "id: 4\n" in again


def test_a_paused_run_is_resumed(served: Served, keys: dict[str, str], stub: StubModelServer) -> None:
    key = keys["runner"]
    paused = served.request(
        "POST", "/api/v1/workflows/two/runs", key=key, body={"input": "p", "max_steps": 1, "wait": 60}
    )
    assert (paused.json()["status"], paused.json()["exit_code"]) == ("paused", 4)
    run_id = paused.json()["run_id"]
    assert served.request("GET", f"/api/v1/runs/{run_id}/result", key=key).status == 409
    not_waiting = served.request("POST", f"/api/v1/runs/{run_id}/answer", key=key, body={"answer": "yes", "wait": 60})
    assert not_waiting.status == 400 and "not waiting" in not_waiting.json()["error"]
    resumed = served.request("POST", f"/api/v1/runs/{run_id}/resume", key=key, body={"max_steps": 5, "wait": 60})
    assert resumed.json()["status"] == "completed"
    assert len([r for r in stub.stats()["requests"] if r["last_user"] == "Step 0: p"]) == 1  # not sent again


def test_a_waiting_run_is_answered(served: Served, keys: dict[str, str], stub: StubModelServer) -> None:
    key = keys["runner"]
    stub.script([{"tool_calls": [{"name": "refund", "arguments": {"order": "A-1"}}]}])
    waiting = served.request("POST", "/api/v1/workflows/hitl/runs", key=key, body={"input": "refund A-1", "wait": 60})
    body = waiting.json()
    assert (body["status"], body["exit_code"]) == ("waiting", 5), body
    assert served.request("POST", f"/api/v1/runs/{body['run_id']}/answer", key=key, body={"wait": 60}).status == 400
    answered = served.request(
        "POST", f"/api/v1/runs/{body['run_id']}/answer", key=key, body={"answer": "yes", "wait": 60}
    )
    assert answered.json()["status"] == "completed"
    assert "refunded A-1" in json.dumps(answered.json()["result"])


def test_a_running_run_is_cancelled(served: Served, keys: dict[str, str], stub: StubModelServer) -> None:
    key = keys["runner"]
    stub.set_latency(1.0)
    run_id = served.request("POST", "/api/v1/workflows/two/runs", key=key, body={"input": "c"}).json()["run_id"]
    until(lambda: any(r["last_user"] == "Step 0: c" for r in stub.stats()["requests"]))
    assert served.request("POST", f"/api/v1/runs/{run_id}/cancel", key=keys["viewer"]).status == 403
    assert served.request("POST", f"/api/v1/runs/{run_id}/cancel", key=key).status == 202
    until(lambda: status_of(served, key, run_id) != "running")
    assert status_of(served, key, run_id) == "interrupted"
    assert not any(r["last_user"].startswith("Step 1") for r in stub.stats()["requests"])


def test_roles_and_allowlists_are_enforced_and_denials_audited(served: Served, keys: dict[str, str]) -> None:
    assert served.request("GET", "/api/v1/runs", key=keys["viewer"]).status == 200
    assert served.request("POST", "/api/v1/workflows/echo/runs", key=keys["viewer"], body={}).status == 403
    refused = served.request("POST", "/api/v1/workflows/echo/runs", key=keys["only-other"], body={"input": "x"})
    assert refused.status == 403 and "may not run 'echo'" in refused.json()["error"]
    workflows = served.request("GET", "/api/v1/workflows", key=keys["only-other"]).json()["workflows"]
    assert {w["name"]: w["may_run"] for w in workflows}["other"] is True
    assert served.request("POST", "/api/v1/workflows/nope/runs", key=keys["admin"], body={}).status == 404
    records = [json.loads(line) for line in (served.cli.home / "audit" / "serve.jsonl").read_text().splitlines()]
    denied = [(r["reason"], r["principal"]) for r in records if r["kind"] == "access_denied"]
    assert ("forbidden", "viewer") in denied and ("forbidden", "only-other") in denied
    assert ("unauthenticated", None) in denied


def test_expired_and_revoked_keys_are_refused(served: Served) -> None:
    expired = make_key(served.cli, "expired", "admin", expires_in_s=-1)
    revoked = make_key(served.cli, "revoked", "admin")
    assert served.request("GET", "/api/v1/runs", key=revoked).status == 200
    done = served.cli.run("serve", "keys", "revoke", "revoked")
    assert done.returncode == 0, done.stderr
    assert served.request("GET", "/api/v1/runs", key=revoked).status == 401
    assert served.request("GET", "/api/v1/runs", key=expired).status == 401
    listed = served.cli.run("serve", "keys", "list", "--json").stdout
    states = {json.loads(line)["name"]: json.loads(line)["state"] for line in listed.splitlines()}
    assert (states["expired"], states["revoked"]) == ("expired", "revoked")
    assert "axk_" not in listed


def test_bad_bodies_are_refused_with_a_hint(served: Served, keys: dict[str, str]) -> None:
    key = keys["runner"]
    big = served.request("POST", "/api/v1/workflows/echo/runs", key=key, raw=b"{" + b" " * 5000 + b"}")
    assert big.status == 413
    assert served.request("POST", "/api/v1/workflows/echo/runs", key=key, raw=b"{nope").status == 400
    bad_limit = served.request("POST", "/api/v1/workflows/echo/runs", key=key, body={"max_steps": 0})
    assert bad_limit.status == 400 and "--max-steps" in bad_limit.json()["error"]
    undeclared = served.request("POST", "/api/v1/workflows/echo/runs", key=key, body={"inputs": {"tone": "x"}})
    assert undeclared.status == 400 and "declares no input" in undeclared.json()["error"]


def test_a_cookie_needs_a_same_origin_header_to_change_anything(served: Served, keys: dict[str, str]) -> None:
    cookie = {"Cookie": f"aixgo_key={keys['runner']}"}
    assert served.request("GET", "/api/v1/runs", headers=cookie).status == 200
    cross = served.request(
        "POST", "/api/v1/workflows/echo/runs", body={}, headers={**cookie, "Origin": "http://evil.example"}
    )
    assert cross.status == 403
    same = served.request(
        "POST",
        "/api/v1/workflows/echo/runs",
        body={"input": "c", "wait": 60},
        headers={**cookie, "Origin": served.base_url},
    )
    assert same.status == 200


def test_openapi_and_metrics(served: Served, keys: dict[str, str]) -> None:
    document = served.request("GET", "/openapi.json", key=keys["viewer"]).json()
    assert document["openapi"] == "3.1.0" and "/api/v1/runs/{run_id}/events" in document["paths"]
    metrics = served.request("GET", "/metrics", key=keys["viewer"]).body.decode()
    assert 'aixgo_runs_finished_total{status="completed"}' in metrics
    assert 'aixgo_requests_refused_total{reason="forbidden"}' in metrics


def _encodings(value: str) -> list[str]:
    raw = value.encode()
    return [
        value,
        base64.b64encode(raw).decode(),
        base64.urlsafe_b64encode(raw).decode(),
        raw.hex(),
        urllib.parse.quote(value),
    ]


def test_zz_the_planted_key_appears_nowhere(served: Served, keys: dict[str, str]) -> None:
    """Last in the module: everything the server sent, logged and stored so far is searched."""
    served.request("GET", "/metrics", key=keys["admin"])
    runs = served.request("GET", "/api/v1/runs?limit=100", key=keys["admin"]).json()["runs"]
    for run in runs:
        served.request("GET", f"/api/v1/runs/{run['run_id']}/events", key=keys["admin"])
        served.request("GET", f"/api/v1/runs/{run['run_id']}/steps", key=keys["admin"])
    texts = [body.decode("utf-8", "replace") for body in served.seen]
    texts.append("".join(served.stderr_lines))
    texts += [p.read_text("utf-8", "replace") for p in (served.cli.home / "audit").glob("*.jsonl")]
    with sqlite3.connect(served.cli.db) as conn:
        for table in ("runs", "units", "calls", "events"):
            texts += [json.dumps(row, default=str) for row in conn.execute(f"select * from {table}")]
    assert len(runs) >= 5
    for text in texts:
        for encoded in _encodings(PLANTED):
            assert encoded not in text
