"""Every secret a workflow refers to is found, so its value is registered before anything is stored."""

from __future__ import annotations

import pytest

from aixgo_cli.secrets.chain import SecretResolver
from aixgo_cli.secrets.env_source import EnvSource
from aixgo_cli.secrets.keyring_source import KeyringSource
from aixgo_cli.secrets.redaction import Redactor
from aixgo_cli.secrets.references import referenced_names


def test_secret_names_are_found_wherever_the_workflow_refers_to_them() -> None:
    raw = {
        "model_services": [{"name": "m", "api_key_secret": "TEAM_KEY"}, {"name": "c", "token_secret": "HF_TEAM"}],
        "mcp_servers": [{"name": "crm", "env": {"TOKEN": {"secret": "CRM_TOKEN"}, "MODE": "fast"}}],
        "tools": [{"name": "t", "headers": {"Authorization": {"secret": "API_TOKEN"}}}],
        "agents": [{"name": "a", "prompt": "secret: not a reference"}, {"name": "b", "x_secret": "bad name!"}],
    }
    assert referenced_names(raw) == ["TEAM_KEY", "HF_TEAM", "CRM_TOKEN", "API_TOKEN"]


def test_provider_keys_in_the_environment_are_masked_even_when_unused(monkeypatch: pytest.MonkeyPatch) -> None:
    redactor = Redactor()
    monkeypatch.setenv("XAI_API_KEY", "env-planted-value-123")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)

    SecretResolver(EnvSource(), KeyringSource(), redactor=redactor).register_from_environment(["XAI_API_KEY"])

    assert redactor.redact("key env-planted-value-123 here") == "key *** here"
    assert redactor.named_values() == {"env-planted-value-123": "XAI_API_KEY"}
