"""Helpers for end-to-end tests: the real `aixgo` CLI in subprocesses, against the stub model server.

Each test gets its own AIXGO_HOME (journal), a headless keyring (`fail.Keyring`, as on a CI box) and an
environment with no real provider keys, so nothing can reach a real provider.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aixgo_cli.testing.stub_model_server import StubModelServer

REPO = Path(__file__).resolve().parents[2]
STUB_KEY = "sk-stub-key-not-secret-00000000"
PROVIDER_KEYS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "XAI_API_KEY", "HF_TOKEN")


@dataclass
class Cli:
    home: Path
    workdir: Path
    env: dict[str, str]

    def run(
        self, *args: str, input: str | None = None, env: dict[str, str] | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "aixgo_cli", *args],
            cwd=self.workdir,
            input=input,
            check=False,
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**self.env, **(env or {})},
        )

    def popen(self, *args: str, stdin: Any = subprocess.DEVNULL) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "aixgo_cli", *args],
            cwd=self.workdir,
            env=self.env,
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def write(self, name: str, text: str) -> Path:
        path = self.workdir / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    @property
    def db(self) -> Path:
        return self.home / "runs.db"

    def runs(self) -> list[dict[str, Any]]:
        done = self.run("runs", "list", "--json", "--limit", "100")
        assert done.returncode == 0, done.stderr
        return [json.loads(line) for line in done.stdout.splitlines()]


def make_cli(tmp_path: Path) -> Cli:
    env = {k: v for k, v in os.environ.items() if k not in PROVIDER_KEYS and not k.startswith("AIXGO_")}
    home = tmp_path / "home"
    workdir = tmp_path / "work"
    workdir.mkdir()
    env.update(
        {
            "AIXGO_HOME": str(home),
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
            "PYTHONPATH": str(REPO) + os.pathsep + env.get("PYTHONPATH", ""),
            "NO_COLOR": "1",
            "STUB_API_KEY": STUB_KEY,
        }
    )
    return Cli(home=home, workdir=workdir, env=env)


def stub_service(stub: StubModelServer, secret: str = "STUB_API_KEY") -> str:
    """A model_services block pointing at the stub (YAML text, indented for the top level)."""
    return f"""\
model_services:
  - name: stub
    provider: openai_compatible
    model: stub-model
    api_base: {stub.base_url}
    api_key_secret: {secret}
    retry: {{max_attempts: 2, initial_backoff: 10ms, max_backoff: 20ms}}
"""
