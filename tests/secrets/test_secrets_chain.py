"""Resolution order env -> keyring -> exit-3 error, with real keyring backends (file-backed and fail)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail, null
from keyring.compat import properties
from keyring.core import init_backend
from keyring.errors import KeyringLocked

from aixgo_cli.errors import ConfigurationError, ExitCode, UserError
from aixgo_cli.secrets import redaction
from aixgo_cli.secrets.chain import SecretResolver
from aixgo_cli.secrets.keyring_source import SERVICE, KeyringSource
from aixgo_cli.secrets.redaction import MASK, Redactor

PLANTED = "sk-planted-secret-9Q7"


class LockedKeyring(KeyringBackend):
    """A backend that refuses to read, like a Secret Service collection the user did not unlock."""

    @properties.classproperty
    def priority(cls) -> float:
        return -1

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("collection is locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringLocked("collection is locked")


def _fail_backend() -> KeyringBackend:
    return fail.Keyring()  # type: ignore[no-untyped-call]


def _null_backend() -> KeyringBackend:
    return null.Keyring()  # type: ignore[no-untyped-call]


def _resolver(backend: KeyringBackend | None, redactor: Redactor | None = None) -> SecretResolver:
    return SecretResolver(keyring=KeyringSource(backend), redactor=redactor if redactor is not None else Redactor())


def test_env_wins_over_keyring(file_backend: KeyringBackend, monkeypatch: pytest.MonkeyPatch) -> None:
    file_backend.set_password(SERVICE, "OPENAI_API_KEY", "from-keyring-value")
    monkeypatch.setenv("OPENAI_API_KEY", "from-env-value")
    resolver = _resolver(file_backend)
    assert resolver.resolve("OPENAI_API_KEY") == "from-env-value"
    assert resolver.source_of("OPENAI_API_KEY") == "env"


def test_keyring_used_when_env_missing(file_backend: KeyringBackend) -> None:
    file_backend.set_password(SERVICE, "OPENAI_API_KEY", "from-keyring-value")
    resolver = _resolver(file_backend)
    assert resolver.resolve("OPENAI_API_KEY") == "from-keyring-value"
    assert resolver.source_of("OPENAI_API_KEY") == "keyring"
    assert resolver.source_of("XAI_API_KEY") is None
    assert resolver.get("XAI_API_KEY") is None


def test_other_services_in_the_keyring_are_not_read(file_backend: KeyringBackend) -> None:
    file_backend.set_password("not-aixgo", "OPENAI_API_KEY", "other-service-value")
    assert _resolver(file_backend).source_of("OPENAI_API_KEY") is None


def test_empty_env_var_counts_as_unset(file_backend: KeyringBackend, monkeypatch: pytest.MonkeyPatch) -> None:
    file_backend.set_password(SERVICE, "XAI_API_KEY", "from-keyring-value")
    monkeypatch.setenv("XAI_API_KEY", "")
    assert _resolver(file_backend).source_of("XAI_API_KEY") == "keyring"


def test_resolved_values_are_registered_for_redaction(
    file_backend: KeyringBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    r = Redactor()
    file_backend.set_password(SERVICE, "FROM_KR", "keyring-held-value-1")
    monkeypatch.setenv("FROM_ENV", "env-held-value-22")
    resolver = _resolver(file_backend, r)
    resolver.require_all(["FROM_KR", "FROM_ENV"])
    assert r.redact("keyring-held-value-1 / env-held-value-22") == f"{MASK} / {MASK}"


def test_default_resolver_registers_with_the_process_registry(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_TOKEN", "process-registry-token-31")
    assert SecretResolver(keyring=KeyringSource(_fail_backend())).resolve("HF_TOKEN")
    assert redaction.redact("process-registry-token-31") == MASK


def test_require_all_names_every_missing_secret(file_backend: KeyringBackend, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRESENT_KEY", "present-value")
    with pytest.raises(ConfigurationError) as info:
        _resolver(file_backend).require_all(["OPENAI_API_KEY", "PRESENT_KEY", "XAI_API_KEY", "OPENAI_API_KEY"])
    err = info.value
    assert err.exit_code == ExitCode.CREDENTIALS
    assert int(err.exit_code) == 3
    assert "OPENAI_API_KEY, XAI_API_KEY" in err.message
    assert "PRESENT_KEY" not in err.message
    assert err.hint is not None
    assert "aixgo secrets set OPENAI_API_KEY" in err.hint
    assert "aixgo secrets set XAI_API_KEY" in err.hint
    assert "export XAI_API_KEY=..." in err.hint
    assert "present-value" not in f"{err.message}{err.hint}"


def test_require_all_returns_every_value(file_backend: KeyringBackend, monkeypatch: pytest.MonkeyPatch) -> None:
    file_backend.set_password(SERVICE, "B_KEY", "bbbb-value")
    monkeypatch.setenv("A_KEY", "aaaa-value")
    assert _resolver(file_backend).require_all(["A_KEY", "B_KEY"]) == {"A_KEY": "aaaa-value", "B_KEY": "bbbb-value"}


def test_require_all_rejects_every_invalid_name_before_looking_anything_up(
    file_backend: KeyringBackend,
) -> None:
    with pytest.raises(UserError) as info:
        _resolver(file_backend).require_all(["GOOD_NAME", "bad-name", "9LIVES", "__index__"])
    err = info.value
    assert not isinstance(err, ConfigurationError)
    assert err.exit_code == ExitCode.INVALID
    for name in ("'bad-name'", "'9LIVES'", "'__index__'"):
        assert name in err.message
    assert "GOOD_NAME" not in err.message


@pytest.mark.parametrize("name", ["", "has space", "dash-ed", "1ST", "__index__", "ünïcode"])
def test_resolve_rejects_invalid_names(file_backend: KeyringBackend, name: str) -> None:
    with pytest.raises(UserError) as info:
        _resolver(file_backend).resolve(name)
    assert info.value.exit_code == ExitCode.INVALID


def test_no_keyring_backend_falls_back_to_env(monkeypatch: pytest.MonkeyPatch, isolated: Path) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "env-only-value")
    resolver = _resolver(_fail_backend())
    assert resolver.resolve("ANTHROPIC_API_KEY") == "env-only-value"
    assert resolver.source_of("ANTHROPIC_API_KEY") == "env"
    assert resolver.keyring_status().available is False


def test_no_keyring_backend_selected_by_env_var_gives_exit_3_naming_the_secret(
    monkeypatch: pytest.MonkeyPatch, isolated: Path, global_keyring: None
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    init_backend()  # keyring's real selection, as a fresh process would do it
    monkeypatch.setenv("GEMINI_API_KEY", "gemini-env-value")
    resolver = SecretResolver(redactor=Redactor())
    assert resolver.keyring.backend_name() == "keyring.backends.fail.Keyring"
    assert resolver.require_all(["GEMINI_API_KEY"]) == {"GEMINI_API_KEY": "gemini-env-value"}
    with pytest.raises(ConfigurationError) as info:
        resolver.require_all(["GEMINI_API_KEY", "OPENAI_API_KEY"])
    err = info.value
    assert err.exit_code == 3
    assert "OPENAI_API_KEY" in err.message
    assert "GEMINI_API_KEY" not in err.message
    assert "keyring is unavailable" in err.message
    assert err.hint is not None
    assert "export OPENAI_API_KEY=..." in err.hint
    assert "PYTHON_KEYRING_BACKEND" in err.hint
    assert "Secret Service" in err.hint
    # `secrets set` cannot work here, so it is not offered as the fix.
    assert "aixgo secrets set OPENAI_API_KEY" not in err.hint


def test_locked_keyring_is_reported_and_env_still_works(monkeypatch: pytest.MonkeyPatch, isolated: Path) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "env-value-while-locked")
    resolver = _resolver(LockedKeyring())
    with pytest.raises(ConfigurationError) as info:
        resolver.resolve("XAI_API_KEY")
    assert "collection is locked" in info.value.message
    assert resolver.resolve("OPENAI_API_KEY") == "env-value-while-locked"


def test_keyrings_that_would_lose_secrets_count_as_unavailable(isolated: Path) -> None:
    status = KeyringSource(_null_backend()).status()
    assert status.available is False
    assert status.backend == "keyring.backends.null.Keyring"
    assert status.reason is not None
    assert "discards" in status.reason


def test_describe_reports_sources_never_values(file_backend: KeyringBackend, monkeypatch: pytest.MonkeyPatch) -> None:
    source = KeyringSource(file_backend)
    source.set("STORED_ONLY", PLANTED)
    source.set("OPENAI_API_KEY", "shadowed-keyring-value")
    monkeypatch.setenv("OPENAI_API_KEY", "env-value-wins")
    monkeypatch.setenv("XAI_API_KEY", "env-known-name")
    statuses = SecretResolver(keyring=source, redactor=Redactor()).describe(["WANTED_BUT_MISSING"])
    table = {s.name: (s.source, s.in_env, s.in_keyring) for s in statuses}
    assert table == {
        "OPENAI_API_KEY": ("env", True, True),
        "STORED_ONLY": ("keyring", False, True),
        "WANTED_BUT_MISSING": (None, False, False),
        "XAI_API_KEY": ("env", True, False),
    }
    assert PLANTED not in repr(statuses)


def test_describe_finds_known_names_stored_by_other_tools(file_backend: KeyringBackend, isolated: Path) -> None:
    file_backend.set_password(SERVICE, "GROQ_API_KEY", "stored-by-keyring-cli")
    statuses = _resolver(file_backend).describe()
    assert [(s.name, s.source) for s in statuses] == [("GROQ_API_KEY", "keyring")]
    assert json.loads((isolated / "keyring.json").read_text())[SERVICE].keys() == {"GROQ_API_KEY"}
