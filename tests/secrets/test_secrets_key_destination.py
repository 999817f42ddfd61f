"""A key goes only where the workflow names it: a model service with its own endpoint gets no key unless
it names a secret, and LiteLLM is always handed an explicit key, so it cannot fall back to one from the
environment and send it to that endpoint (checked over real HTTP: the stub's 401 echoes the key it got)."""

from __future__ import annotations

from typing import Any

import pytest

from aixgo_cli.errors import ConfigurationError
from aixgo_cli.providers.litellm_client import KEYLESS_PLACEHOLDER, LiteLLMClient
from aixgo_cli.providers.model_ref import ModelResolver, resolve_service
from aixgo_cli.providers.types import ChatMessage, ChatRequest
from aixgo_cli.testing.stub_model_server import StubModelServer

ENV_KEYS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "HOSTED_VLLM_API_KEY", "HF_TOKEN", "OPENAI_BASE_URL")
PLANTED = "planted-env-key-not-for-this-endpoint"


@pytest.mark.parametrize(
    "service",
    [
        {"name": "s", "provider": "openai_compatible", "model": "m", "api_base": "http://127.0.0.1:9/v1"},
        {"name": "s", "provider": "openai", "model": "gpt-4o-mini", "api_base": "http://127.0.0.1:9/v1"},
        {"name": "s", "provider": "anthropic", "model": "claude-x", "api_base": "http://127.0.0.1:9"},
        {"name": "s", "model": "openai/gpt-4o", "config": {"address": "http://127.0.0.1:9/v1"}},
        {"name": "s", "runtime": "cloud", "model": "org/m", "config": {"endpoint": "http://127.0.0.1:9"}},
        {"name": "s", "runtime": "vllm", "model": "qwen", "api_base": "http://127.0.0.1:9/v1"},
    ],
)
def test_a_service_with_its_own_endpoint_names_no_secret_unless_it_says_so(service: dict[str, Any]) -> None:
    assert resolve_service(service).api_key_secret_name is None
    assert resolve_service({**service, "api_key_secret": "TEAM_KEY"}).api_key_secret_name == "TEAM_KEY"


def test_the_go_token_secret_names_the_key_of_a_cloud_endpoint() -> None:
    service = {"name": "s", "runtime": "cloud", "model": "m", "config": {"endpoint": "http://h", "token_secret": "T"}}
    assert resolve_service(service).api_key_secret_name == "T"


def test_without_an_endpoint_the_providers_conventional_key_is_used() -> None:
    assert resolve_service({"name": "s", "provider": "openai", "model": "gpt-4o"}).api_key_secret_name == (
        "OPENAI_API_KEY"
    )


class Forbidden:
    def __call__(self, name: str) -> str:
        raise AssertionError(f"no secret may be asked for, but {name} was")


@pytest.mark.parametrize("provider", ["openai_compatible", "openai", "vllm"])
def test_a_keyless_endpoint_is_sent_the_placeholder_never_an_environment_key(
    stub: StubModelServer, monkeypatch: pytest.MonkeyPatch, provider: str
) -> None:
    for name in ENV_KEYS[:-1]:
        monkeypatch.setenv(name, PLANTED)
    service = {"name": "local", "provider": provider, "model": "m", "api_base": stub.base_url}
    client = LiteLLMClient(Forbidden(), ModelResolver([service]))
    request = ChatRequest(model="local", messages=(ChatMessage("user", "hi"),))

    assert client.complete(request).content == "stub: hi"  # a keyless server can be used at all
    stub.script([{"status": 401}])
    with pytest.raises(ConfigurationError) as refused:
        client.complete(request)

    assert f"Incorrect API key provided: {KEYLESS_PLACEHOLDER}" in refused.value.message
    assert PLANTED not in refused.value.message
