"""The keyring source against a real file-backed backend and keyring's fail backend."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail

from aixgo_cli.errors import ConfigurationError, ExitCode, UserError
from aixgo_cli.secrets.keyring_source import SERVICE, KeyringSource

PLANTED = "sk-planted-secret-9Q7"


def _stored(isolated: Path) -> dict[str, str]:
    data: dict[str, dict[str, str]] = json.loads((isolated / "keyring.json").read_text())
    return data.get(SERVICE, {})


def test_set_get_delete_round_trip(file_backend: KeyringBackend, isolated: Path) -> None:
    source = KeyringSource(file_backend)
    source.set("OPENAI_API_KEY", PLANTED)
    assert source.get("OPENAI_API_KEY") == PLANTED
    assert _stored(isolated)["OPENAI_API_KEY"] == PLANTED
    assert source.delete("OPENAI_API_KEY") is True
    assert source.get("OPENAI_API_KEY") is None
    assert "OPENAI_API_KEY" not in _stored(isolated)


def test_index_holds_names_only(file_backend: KeyringBackend, isolated: Path) -> None:
    source = KeyringSource(file_backend)
    source.set("B_KEY", PLANTED)
    source.set("A_KEY", "another-value")
    source.set("B_KEY", "replaced-value")
    index = _stored(isolated)["__index__"]
    assert json.loads(index) == ["A_KEY", "B_KEY"]
    assert PLANTED not in index
    assert source.names() == ["A_KEY", "B_KEY"]
    source.delete("A_KEY")
    assert source.names() == ["B_KEY"]


def test_delete_of_a_missing_name_reports_false_and_heals_the_index(file_backend: KeyringBackend) -> None:
    source = KeyringSource(file_backend)
    source.set("GONE_KEY", "soon-removed-elsewhere")
    file_backend.delete_password(SERVICE, "GONE_KEY")  # e.g. `keyring del aixgo GONE_KEY`
    assert source.names() == ["GONE_KEY"]
    assert source.delete("GONE_KEY") is False
    assert source.names() == []


def test_damaged_index_is_ignored_and_rebuilt(file_backend: KeyringBackend) -> None:
    file_backend.set_password(SERVICE, "__index__", "{not json")
    source = KeyringSource(file_backend)
    assert source.names() == []
    source.set("NEW_KEY", "new-value-1")
    assert source.names() == ["NEW_KEY"]
    file_backend.set_password(SERVICE, "__index__", json.dumps(["OK_NAME", "bad-name", 7, "__index__"]))
    assert source.names() == ["OK_NAME"]


def test_empty_value_is_refused(file_backend: KeyringBackend, isolated: Path) -> None:
    with pytest.raises(UserError) as info:
        KeyringSource(file_backend).set("EMPTY_KEY", "")
    assert info.value.exit_code == ExitCode.INVALID
    assert not (isolated / "keyring.json").exists()


def test_reserved_index_name_cannot_be_set(file_backend: KeyringBackend) -> None:
    with pytest.raises(UserError):
        KeyringSource(file_backend).set("__index__", "[]")


def test_fail_backend_reads_as_absent_and_writes_raise_exit_3(isolated: Path) -> None:
    source = KeyringSource(fail.Keyring())  # type: ignore[no-untyped-call]
    assert source.get("OPENAI_API_KEY") is None
    assert source.names() == []
    assert source.available() is False
    assert source.backend_name() == "keyring.backends.fail.Keyring"
    for action in (lambda: source.set("OPENAI_API_KEY", PLANTED), lambda: source.delete("OPENAI_API_KEY")):
        with pytest.raises(ConfigurationError) as info:
            action()
        assert info.value.exit_code == ExitCode.CREDENTIALS
        assert info.value.hint is not None
        assert "PYTHON_KEYRING_BACKEND" in info.value.hint
        assert "export NAME=..." in info.value.hint
        assert PLANTED not in info.value.message


def test_status_of_a_working_backend(file_backend: KeyringBackend) -> None:
    status = KeyringSource(file_backend).status()
    assert status.available is True
    assert status.reason is None
    assert status.backend.endswith("file_keyring.JsonFileKeyring")
