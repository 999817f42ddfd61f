"""Secrets from a credential-helper command: a real helper process (a small Python script), its cache
lifetime, errors that never show its output, its place in the chain, the refetch-and-retry on a rejected
key against the stub model server (real LiteLLM, real HTTP), and `aixgo secrets list --workflow`."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest
from tests.support.e2e import Cli

from aixgo_cli.config.model import load_workflow
from aixgo_cli.errors import ConfigurationError
from aixgo_cli.providers.types import ChatMessage, ChatRequest
from aixgo_cli.secrets.chain import SecretResolver
from aixgo_cli.secrets.command_source import CommandSource, CommandSpec
from aixgo_cli.secrets.env_source import EnvSource
from aixgo_cli.testing.stub_model_server import StubModelServer
from aixgo_cli.wiring import build_model_client

HELPER = """\
import sys
from pathlib import Path

here = Path(sys.argv[1])
with (here / "runs.log").open("a") as log:
    log.write("run\\n")
key = here / "key.txt"
value = key.read_text()
rotate = here / "rotate-to.txt"
if rotate.exists():
    key.write_text(rotate.read_text())  # the vault rotates the key after handing out this value
print(value)
"""


def helper(tmp_path: Path, value: str, rotate_to: str | None = None) -> list[str]:
    (tmp_path / "helper.py").write_text(HELPER, encoding="utf-8")
    (tmp_path / "key.txt").write_text(value, encoding="utf-8")
    if rotate_to is not None:
        (tmp_path / "rotate-to.txt").write_text(rotate_to, encoding="utf-8")
    return [sys.executable, str(tmp_path / "helper.py"), str(tmp_path)]


def runs(tmp_path: Path) -> int:
    log = tmp_path / "runs.log"
    return len(log.read_text().splitlines()) if log.exists() else 0


class NoKeyring:
    label = "keyring"

    def __init__(self, values: dict[str, str] | None = None) -> None:
        self.values = values or {}

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def names(self) -> list[str]:
        return list(self.values)

    def unavailable_reason(self) -> str | None:
        return None


def test_the_value_is_the_helpers_output_kept_for_its_cache_lifetime(tmp_path: Path) -> None:
    now = [0.0]
    source = CommandSource({"API_KEY": CommandSpec(tuple(helper(tmp_path, "sk-one")), 60.0)}, clock=lambda: now[0])
    assert source.get("API_KEY") == "sk-one"
    (tmp_path / "key.txt").write_text("sk-two")
    now[0] = 59.0
    assert source.get("API_KEY") == "sk-one" and runs(tmp_path) == 1
    now[0] = 61.0
    assert source.get("API_KEY") == "sk-two" and runs(tmp_path) == 2
    assert source.get("OTHER") is None


def test_a_failing_helper_is_named_but_its_output_never_shown(tmp_path: Path) -> None:
    script = "import sys; print('sk-leaked-by-helper'); sys.stderr.write('vault path secret/x'); sys.exit(4)"
    source = CommandSource({"API_KEY": CommandSpec((sys.executable, "-c", script))})
    with pytest.raises(ConfigurationError) as caught:
        source.get("API_KEY")
    text = caught.value.message + (caught.value.hint or "")
    assert "exited with status 4" in text and "sk-leaked-by-helper" not in text and "vault path" not in text
    missing = CommandSource({"API_KEY": CommandSpec(("no-such-helper-aixgo", "read"))})
    with pytest.raises(ConfigurationError, match="`no-such-helper-aixgo` is not installed"):
        missing.get("API_KEY")


def test_the_chain_is_env_then_command_then_keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    commands = CommandSource({"API_KEY": CommandSpec(tuple(helper(tmp_path, "sk-from-command")))})
    resolver = SecretResolver(EnvSource(), NoKeyring({"API_KEY": "sk-from-keyring"}), commands=commands)  # type: ignore[arg-type]
    monkeypatch.delenv("API_KEY", raising=False)
    assert (resolver.resolve("API_KEY"), resolver.source_of("API_KEY")) == ("sk-from-command", "command")
    monkeypatch.setenv("API_KEY", "sk-from-env")
    assert (resolver.resolve("API_KEY"), resolver.source_of("API_KEY")) == ("sk-from-env", "env")
    [status] = [s for s in resolver.describe() if s.name == "API_KEY"]
    assert status.source == "env"


WORKFLOW = """\
version: 1
name: rotating
secrets:
  STUB_ROTATING_KEY: {{command: {command}, cache: 1h}}
model_services:
  - name: stub
    provider: openai_compatible
    model: stub-model
    api_base: {base}
    api_key_secret: STUB_ROTATING_KEY
    retry: {{max_attempts: 1}}
agents:
  - name: a
    role: react
    model: stub
"""


def client_for(tmp_path: Path, stub: StubModelServer, command: list[str]) -> object:
    path = tmp_path / "wf.yaml"
    quoted = "[" + ", ".join(f'"{part}"' for part in command) + "]"
    path.write_text(WORKFLOW.format(command=quoted, base=stub.base_url), encoding="utf-8")
    client, _ = build_model_client(load_workflow(path), replay=None, record=None)
    return client


REQUEST = ChatRequest(model="stub", messages=(ChatMessage(role="user", content="hi"),))


@pytest.mark.slow
def test_a_rejected_key_is_fetched_again_and_the_call_retried_once(
    tmp_path: Path, stub: StubModelServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("STUB_ROTATING_KEY", raising=False)
    client = client_for(tmp_path, stub, helper(tmp_path, "sk-old-rotated-away", rotate_to="sk-new-current"))
    stub.script([{"status": 401, "message": "invalid api key"}, "hello again"])
    response = client.complete(REQUEST)  # type: ignore[attr-defined]
    assert response.content == "hello again"
    assert runs(tmp_path) == 2  # fetched, rejected, fetched again
    assert stub.stats()["total"] == 2


@pytest.mark.slow
def test_an_unchanged_key_is_not_retried(
    tmp_path: Path, stub: StubModelServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("STUB_ROTATING_KEY", raising=False)
    client = client_for(tmp_path, stub, helper(tmp_path, "sk-same-value-always"))
    stub.script([{"status": 401, "message": "invalid api key"}, "not reached"])
    with pytest.raises(ConfigurationError, match="rejected the key in secret STUB_ROTATING_KEY"):
        client.complete(REQUEST)  # type: ignore[attr-defined]
    assert stub.stats()["total"] == 1


@pytest.mark.slow
def test_secrets_list_names_the_command_source_without_running_it(cli: Cli, tmp_path: Path) -> None:
    command = helper(tmp_path, "sk-never-listed")
    cli.write(
        "wf.yaml",
        textwrap.dedent(WORKFLOW).format(
            command="[" + ", ".join(f'"{p}"' for p in command) + "]", base="http://127.0.0.1:9/v1"
        ),
    )
    done = cli.run("secrets", "list", "--workflow", "wf.yaml")
    assert done.returncode == 0, done.stderr
    assert any(line.split() == ["STUB_ROTATING_KEY", "command"] for line in done.stdout.splitlines())
    assert "sk-never-listed" not in done.stdout + done.stderr
    assert runs(tmp_path) == 0
