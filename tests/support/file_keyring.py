"""A keyring backend for tests: entries kept as JSON in the file named by AIXGO_TEST_KEYRING_FILE.

Selected with `PYTHON_KEYRING_BACKEND=file_keyring.JsonFileKeyring` and `tests/support` on PYTHONPATH,
so subprocess tests go through keyring's real backend selection. The priority is below
`fail.Keyring`'s (and not viable at all without the env var) so that merely importing this module never
makes it anyone's default: it is used only when named. It stores plaintext and must never ship in the package.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.compat import properties
from keyring.errors import InitError, PasswordDeleteError

ENV_VAR = "AIXGO_TEST_KEYRING_FILE"


class JsonFileKeyring(KeyringBackend):
    """`{"service": {"username": "password"}}` in one JSON file, rewritten on every change."""

    @properties.classproperty
    def priority(cls) -> float:
        # Not viable unless configured, so keyring's auto-detection in a test process that merely
        # imported this module never instantiates it; and below fail.Keyring's 0 when configured.
        if not os.environ.get(ENV_VAR):
            raise RuntimeError(f"{ENV_VAR} is not set")
        return -1

    def __init__(self, path: Path | None = None) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # keyring leaves this one untyped
        self._path = path

    @property
    def path(self) -> Path:
        if self._path is not None:
            return self._path
        configured = os.environ.get(ENV_VAR)
        if not configured:
            raise InitError(f"{ENV_VAR} must name the JSON file for JsonFileKeyring")
        return Path(configured)

    def _load(self) -> dict[str, dict[str, str]]:
        if not self.path.exists():
            return {}
        data: dict[str, dict[str, str]] = json.loads(self.path.read_text(encoding="utf-8"))
        return data

    def _save(self, data: dict[str, dict[str, str]]) -> None:
        self.path.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(service, {}).get(username)

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._load()
        data.setdefault(service, {})[username] = password
        self._save(data)

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        try:
            del data[service][username]
        except KeyError:
            raise PasswordDeleteError(f"{username!r} not found in {service!r}") from None
        self._save(data)
