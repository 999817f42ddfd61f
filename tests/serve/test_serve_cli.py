"""`aixgo serve` on the command line: what it refuses before listening (exit 2, with validate's
diagnostics), the keys commands, `doctor --tls-cert`, and the per-key rate limit (429 + Retry-After)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.serve.certs import make_certs
from tests.serve.served import make_key, start_server, workflow
from tests.support.e2e import Cli, stub_service

from aixgo_cli.testing.stub_model_server import StubModelServer

pytestmark = pytest.mark.slow


def test_a_broken_workflow_refuses_to_start_with_its_diagnostics(cli: Cli, stub: StubModelServer) -> None:
    workflow(cli, "good", stub_service(stub))
    (cli.workdir / "bad.yaml").write_text("version: 1\nname: bad\nagents:\n  - name: a\n    role: reactt\n")
    done = cli.run("serve", str(cli.workdir), "--port", "0")
    assert done.returncode == 2, done.stderr
    assert "bad.yaml:5:" in done.stderr and "reactt" in done.stderr and "Traceback" not in done.stderr


def test_refusals_before_listening(cli: Cli, stub: StubModelServer) -> None:
    path = str(workflow(cli, "good", stub_service(stub)))
    no_keys = cli.run("serve", path, "--host", "0.0.0.0", "--port", "0")  # never binds: refused first
    assert no_keys.returncode == 2 and "no API key exists" in no_keys.stderr and "--insecure-no-auth" in no_keys.stderr
    half_tls = cli.run("serve", path, "--tls-cert", "c.pem", "--port", "0")
    assert half_tls.returncode == 2 and "--tls-key" in half_tls.stderr
    missing = cli.run("serve", str(cli.workdir / "nope.yaml"), "--port", "0")
    assert missing.returncode == 2 and "no such file" in missing.stderr
    bad_limit = cli.run("serve", path, "--max-steps", "0", "--port", "0")
    assert bad_limit.returncode == 2 and "--max-steps" in bad_limit.stderr


def test_keys_are_shown_once_and_listed_without_the_token(cli: Cli) -> None:
    created = cli.run("serve", "keys", "create", "ci", "--role", "runner", "--workflows", "a,b", "--expires", "30d")
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip()
    assert token.startswith("axk_") and token not in created.stderr
    listed = cli.run("serve", "keys", "list", "--json")
    row = json.loads(listed.stdout)
    assert (row["name"], row["role"], row["workflows"], row["state"]) == ("ci", "runner", ["a", "b"], "active")
    assert token not in listed.stdout and token not in (cli.home / "serve-keys.json").read_text()
    assert cli.run("serve", "keys", "create", "ci", "--role", "runner").returncode == 2
    bad = cli.run("serve", "keys", "create", "x", "--role", "root")
    assert bad.returncode == 2 and "viewer, runner, admin" in bad.stderr
    assert cli.run("serve", "keys", "revoke", "ci").returncode == 0
    assert cli.run("serve", "keys", "revoke", "ci").returncode == 2


def test_doctor_shows_the_certificate_expiry(cli: Cli, tmp_path: Path) -> None:
    certs = make_certs(tmp_path, days=90)
    done = cli.run("doctor", "--tls-cert", str(certs.cert), "--json")
    check = next(c for c in json.loads(done.stdout)["checks"] if c["name"] == "tls certificate")
    assert check["status"] == "ok" and certs.not_after.strftime("%Y-%m-%d") in check["message"]
    (tmp_path / "soon").mkdir()
    soon = make_certs(tmp_path / "soon", days=3)
    done = cli.run("doctor", "--tls-cert", str(soon.cert), "--json")
    check = next(c for c in json.loads(done.stdout)["checks"] if c["name"] == "tls certificate")
    assert check["status"] == "warn"


def test_the_rate_limit_answers_429_with_retry_after(cli: Cli, stub: StubModelServer) -> None:
    workflow(cli, "good", stub_service(stub))
    key = make_key(cli, "ci", "viewer")
    server = start_server(cli, str(cli.workdir), "--rate", "0.5")  # one request each 2 s, bursts of 1
    try:
        statuses = [server.request("GET", "/api/v1/runs", key=key).status for _ in range(3)]
        refused = server.request("GET", "/api/v1/runs", key=key)
        other = server.request("GET", "/api/v1/runs", key=make_key(cli, "other", "viewer"))
        metrics = server.request("GET", "/metrics", key=make_key(cli, "ops", "viewer")).body.decode()
    finally:
        server.stop()
    assert statuses[0] == 200 and 429 in statuses[1:]
    assert refused.status == 429 and int(refused.headers["retry-after"]) >= 1
    assert other.status == 200  # each key has its own bucket
    assert "aixgo_rate_limited_total 3" in metrics or "aixgo_rate_limited_total 2" in metrics


def test_runs_in_progress_per_key_are_limited(cli: Cli, stub: StubModelServer) -> None:
    workflow(cli, "good", stub_service(stub))
    key = make_key(cli, "ci", "runner")
    server = start_server(cli, str(cli.workdir), "--runs-per-key", "1")
    try:
        stub.set_latency(2.0)
        first = server.request("POST", "/api/v1/workflows/good/runs", key=key, body={"input": "one"})
        second = server.request("POST", "/api/v1/workflows/good/runs", key=key, body={"input": "two"})
        other = server.request("POST", "/api/v1/workflows/good/runs", key=make_key(cli, "b", "runner"), body={})
        stub.set_latency(0.0)
        server.request("GET", f"/api/v1/runs/{first.json()['run_id']}/events", key=key)  # returns when it ends
        finished = server.request("POST", "/api/v1/workflows/good/runs", key=key, body={"input": "three", "wait": 60})
    finally:
        server.stop()
    assert first.status == 202 and other.status == 202
    assert second.status == 429 and second.headers["retry-after"] == "1" and "in progress" in second.json()["error"]
    assert finished.json()["status"] == "completed"
