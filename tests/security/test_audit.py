"""The audit log: hash-chained records, secrets masked, one file per run under the data dir or a
configured path that continues its chain; `aixgo audit verify` passes an intact log and names the first
edited, removed or reordered line of a tampered copy."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from tests.engine.engine_helpers import Harness, tool_call
from tests.support.e2e import STUB_KEY, Cli, stub_service

from aixgo_cli.engine.runner import RunParams
from aixgo_cli.secrets.redaction import default_redactor, redact
from aixgo_cli.security.audit import AuditLog, verify
from aixgo_cli.testing.fake_client import ScriptedClient
from aixgo_cli.testing.stub_model_server import StubModelServer
from aixgo_cli.wiring import RunServices


def write_log(path: Path, count: int = 5) -> list[str]:
    log = AuditLog(path, "run-1", redact)
    for index in range(count):
        log.record("tool_call", tool="ping", arguments=json.dumps({"n": index}), ok=True)
    log.close()
    return path.read_text(encoding="utf-8").splitlines()


def test_an_intact_log_verifies(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    lines = write_log(path)
    assert verify(path).ok and verify(path).records == 5
    records = [json.loads(line) for line in lines]
    assert [r["seq"] for r in records] == [1, 2, 3, 4, 5]
    assert all(later["prev"] == earlier["hash"] for earlier, later in itertools.pairwise(records))


@pytest.mark.parametrize(
    ("tamper", "line"),
    [
        (lambda lines: [*lines[:2], lines[2].replace('\\"n\\": 2', '\\"n\\": 9'), *lines[3:]], 3),  # edited
        (lambda lines: [*lines[:4], lines[4].replace('"ok": true', '"ok": false')], 5),  # edited, the last line
        (lambda lines: [*lines[:1], *lines[2:]], 2),  # removed
        (lambda lines: [lines[0], lines[2], lines[1], *lines[3:]], 2),  # reordered
        (lambda lines: [lines[0], "{not json", *lines[1:]], 2),  # inserted garbage
    ],
    ids=["edited", "edited-last", "removed", "reordered", "inserted"],
)
def test_a_tampered_log_fails_at_the_first_bad_line(tmp_path: Path, tamper: object, line: int) -> None:
    path = tmp_path / "audit.jsonl"
    lines = write_log(path)
    changed = tamper(lines)  # type: ignore[operator]
    assert changed != lines
    path.write_text("\n".join(changed) + "\n", encoding="utf-8")
    verdict = verify(path)
    assert not verdict.ok and verdict.line == line, verdict


def test_a_configured_path_continues_its_chain_across_runs(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    write_log(path, 2)
    log = AuditLog(path, "run-2", redact)
    log.record("tool_call", tool="ping")
    log.close()
    verdict = verify(path)
    assert verdict.ok and verdict.records == 3


def test_secrets_are_masked_in_every_field(tmp_path: Path) -> None:
    secret = "sk-audit-secret-value-1234567890"
    default_redactor().register(secret)
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path, "run-1", redact)
    log.record("tool_call", arguments=json.dumps({"key": secret}), nested={"list": [secret]})
    log.close()
    assert secret not in path.read_text(encoding="utf-8")
    assert verify(path).ok


TOOLS = '''\
def ping(n: int) -> str:
    """Answer pong."""
    return f"pong {n}"
'''


def test_a_run_writes_one_log_under_the_data_dir_with_its_secret_names(
    mem: Harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("AIXGO_HOME", str(home))
    monkeypatch.setenv("PING_TOKEN", "tok-ping-0987654321")
    module = mem.tool_module(TOOLS)
    mem.write(
        f"""\
        version: 1
        name: audited
        tools:
          - {{name: ping, type: python, callable: {module}:ping}}
          - name: api
            type: http
            url: "https://api.example.com/{{{{ args.x }}}}"
            headers: {{Authorization: {{secret: PING_TOKEN}}}}
        agents:
          - name: helper
            role: react
            model: fake/helper
            tools: [ping, api]
        """
    )
    services = RunServices(mem.load())
    client = ScriptedClient([tool_call("ping", {"n": 1}), "done"])
    outcome = mem.runner(client, tool_sources=services.tool_sources, audit=services.audit_for).start(
        mem.load(), RunParams(input="go")
    )
    assert outcome.status == "completed", outcome.error
    path = home / "audit" / f"{outcome.run_id}.jsonl"
    text = path.read_text(encoding="utf-8")
    records = [json.loads(line) for line in text.splitlines()]
    assert [r["kind"] for r in records] == ["run_opened", "secret_resolved", "tool_call"]
    assert records[1]["name"] == "PING_TOKEN" and records[1]["source"] == "env"
    assert "tok-ping-0987654321" not in text
    assert records[2]["tool"] == "ping" and records[2]["ok"] is True
    assert verify(path).ok


@pytest.mark.slow
def test_audit_verify_exit_codes(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    lines = write_log(path)
    ok = cli.run("audit", "verify", str(path))
    assert ok.returncode == 0, ok.stderr
    assert "5 records, chain intact" in ok.stdout
    path.write_text("\n".join([lines[0], lines[2], lines[1], *lines[3:]]) + "\n", encoding="utf-8")
    bad = cli.run("audit", "verify", str(path))
    assert bad.returncode == 1
    assert f"{path}:2: the chain is broken" in bad.stderr
    missing = cli.run("audit", "verify", str(tmp_path / "none.jsonl"))
    assert missing.returncode == 2 and "hint:" in missing.stderr


@pytest.mark.slow
def test_aixgo_run_writes_a_verifiable_log_naming_the_model_key(cli: Cli, stub: StubModelServer) -> None:
    cli.write(
        "wf.yaml",
        f"""\
        version: 1
        name: audited-cli
        {stub_service(stub).replace(chr(10), chr(10) + "        ")}
        agents:
          - name: answer
            role: react
            model: stub
        """,
    )
    done = cli.run("run", "wf.yaml", "--input", "hi", "--json")
    assert done.returncode == 0, done.stderr
    run_id = json.loads(done.stdout)["run_id"]
    path = cli.home / "audit" / f"{run_id}.jsonl"
    text = path.read_text(encoding="utf-8")
    assert STUB_KEY not in text
    [secret] = [json.loads(line) for line in text.splitlines() if json.loads(line)["kind"] == "secret_resolved"]
    assert (secret["name"], secret["source"]) == ("STUB_API_KEY", "env")
    assert cli.run("audit", "verify", str(path)).returncode == 0
