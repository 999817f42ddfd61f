"""Fixtures for the secrets tests: an isolated environment, a file-backed keyring, a private redactor.

The keyring tests use real `keyring` backends: the JSON file backend in tests/support (selected by
instance here, and through PYTHON_KEYRING_BACKEND in subprocess tests) and keyring's own
`fail.Keyring`, which is what a headless CI machine gets.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from aixgo_cli.secrets.names import KNOWN_SECRET_NAMES

SUPPORT = Path(__file__).resolve().parents[1] / "support"

from tests.support.file_keyring import JsonFileKeyring  # noqa: E402

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Tmp XDG/AIXGO homes and keyring file; no provider keys leaking in from the host environment."""
    for name in (*KNOWN_SECRET_NAMES, "PYTHON_KEYRING_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("AIXGO_HOME", str(tmp_path / "aixgo"))
    monkeypatch.setenv("AIXGO_TEST_KEYRING_FILE", str(tmp_path / "keyring.json"))
    return tmp_path


@pytest.fixture
def file_backend(isolated: Path) -> JsonFileKeyring:
    return JsonFileKeyring(isolated / "keyring.json")


@pytest.fixture
def global_keyring() -> Iterator[None]:
    """Lets a test change keyring's process-wide backend; puts the previous one back afterwards."""
    previous = keyring.get_keyring()
    try:
        yield
    finally:
        keyring.set_keyring(previous)


class ChildEnv:
    """Builds a minimal environment for aixgo code in a child process: nothing inherited but PATH."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.keyring_file = tmp_path / "keyring.json"

    def __call__(self, backend: str = "file_keyring.JsonFileKeyring", **extra: str) -> dict[str, str]:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "PYTHONPATH": os.pathsep.join([str(REPO), str(SUPPORT)]),
            "PYTHON_KEYRING_BACKEND": backend,
            "AIXGO_TEST_KEYRING_FILE": str(self.keyring_file),
            "XDG_DATA_HOME": str(self.tmp_path / "data"),
            "XDG_CONFIG_HOME": str(self.tmp_path / "config"),
            "AIXGO_HOME": str(self.tmp_path / "aixgo"),
            "HOME": str(self.tmp_path / "home"),
            "NO_COLOR": "1",
        }
        env.update(extra)
        return env


@pytest.fixture
def child_env(tmp_path: Path) -> ChildEnv:
    return ChildEnv(tmp_path)
