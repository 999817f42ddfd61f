"""`aixgo doctor`: versions, keyring, journal, where each secret comes from, and provider reachability."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from tests.commands.conftest import RunCli
from tests.support.e2e import stub_service

from aixgo_cli.testing.stub_model_server import StubModelServer

SECRET_VALUE = "sk-doctor-test-0123456789abcdef"


def workflow_file(tmp_path: Path, services: str, name: str = "wf.yaml") -> Path:
    path = tmp_path / name
    path.write_text(
        "version: 1\nname: doc\n" + services + "agents:\n  - {name: a, role: react, model: stub, prompt: hi}\n"
    )
    return path


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_environment_checks_without_a_workflow(aixgo: RunCli, tmp_path: Path) -> None:
    result = aixgo("doctor", "--json", "--db", str(tmp_path / "runs.db"))
    payload = json.loads(result.out)
    checks = {c["name"]: c for c in payload["checks"]}
    assert result.code == 0 and payload["ok"] is True
    assert checks["python"]["status"] == "ok" and checks["aixgo"]["message"].startswith("aixgo ")
    assert checks["litellm"]["status"] == "ok" and "excluded" in checks["litellm"]["message"]
    assert checks["keyring"]["status"] == "warn" and "PYTHON_KEYRING_BACKEND" in checks["keyring"]["hint"]
    assert "not created yet" in checks["journal"]["message"]


def test_journal_readable_by_others_is_a_warning(aixgo: RunCli, tmp_path: Path) -> None:
    db = tmp_path / "runs.db"
    db.write_bytes(b"")
    db.chmod(0o644)
    result = aixgo("doctor", "--db", str(db))
    assert result.code == 0
    assert f"[warn] journal: {db} (0 KiB, mode 644): other users can read it" in result.out
    assert f"hint: chmod 600 {db}" in result.out


def test_secret_sources_and_reachability(
    aixgo: RunCli, tmp_path: Path, stub: StubModelServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUB_API_KEY", SECRET_VALUE)
    good = workflow_file(tmp_path, stub_service(stub))
    result = aixgo("doctor", str(good), "--check-providers", "--db", str(tmp_path / "runs.db"))
    assert result.code == 0, result.out
    assert "[ok] secret STUB_API_KEY: from the environment" in result.out
    assert f"[ok] provider stub: {stub.base_url} answered HTTP 200" in result.out
    assert SECRET_VALUE not in result.out + result.err

    monkeypatch.delenv("STUB_API_KEY")
    missing = aixgo("doctor", str(good), "--json")
    checks = {c["name"]: c for c in json.loads(missing.out)["checks"]}
    assert missing.code == 1
    assert checks["secret STUB_API_KEY"]["status"] == "fail"
    assert checks["secret STUB_API_KEY"]["hint"].startswith("aixgo secrets set STUB_API_KEY")


def test_unreachable_provider_and_invalid_workflow_fail(
    aixgo: RunCli, tmp_path: Path, stub: StubModelServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUB_API_KEY", SECRET_VALUE)
    services = stub_service(stub).replace(stub.base_url, f"http://127.0.0.1:{closed_port()}/v1")
    down = workflow_file(tmp_path, services)
    result = aixgo("doctor", str(down), "--check-providers")
    assert result.code == 1
    assert "[fail] provider stub: http://127.0.0.1:" in result.out and "is not reachable" in result.out
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: 1\nname: x\nagents: []\n")
    invalid = aixgo("doctor", str(broken))
    assert invalid.code == 1 and f"hint: aixgo validate {broken}" in invalid.out


def test_no_provider_call_without_the_flag(aixgo: RunCli, tmp_path: Path, stub: StubModelServer) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        port = listener.getsockname()[1]
        wf = workflow_file(tmp_path, stub_service(stub).replace(stub.base_url, f"http://127.0.0.1:{port}/v1"))
        assert aixgo("doctor", str(wf)).code == 1  # STUB_API_KEY is not set
        listener.setblocking(False)
        with pytest.raises(BlockingIOError):
            listener.accept()  # nobody connected
