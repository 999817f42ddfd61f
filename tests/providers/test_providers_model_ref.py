"""Model strings -> LiteLLM ids, endpoints and secret names (no network, no litellm import)."""

from __future__ import annotations

from typing import Any

import pytest

from aixgo_cli.config.durations import parse_duration
from aixgo_cli.errors import UserError
from aixgo_cli.providers.model_ref import ModelResolver, RateLimits, resolve_model


@pytest.mark.parametrize(
    ("model", "litellm_model", "secret"),
    [
        ("openai/gpt-4o-mini", "openai/gpt-4o-mini", "OPENAI_API_KEY"),
        ("gpt-4o-mini", "openai/gpt-4o-mini", "OPENAI_API_KEY"),
        ("o1", "openai/o1", "OPENAI_API_KEY"),
        ("anthropic/claude-sonnet-4-5", "anthropic/claude-sonnet-4-5", "ANTHROPIC_API_KEY"),
        ("claude-sonnet-4-5", "anthropic/claude-sonnet-4-5", "ANTHROPIC_API_KEY"),
        ("gemini/gemini-2.0-flash", "gemini/gemini-2.0-flash", "GEMINI_API_KEY"),
        ("gemini-2.0-flash", "gemini/gemini-2.0-flash", "GEMINI_API_KEY"),
        ("xai/grok-3", "xai/grok-3", "XAI_API_KEY"),
        ("grok-3", "xai/grok-3", "XAI_API_KEY"),
        ("huggingface/meta-llama/Llama-3.1-8B", "huggingface/meta-llama/Llama-3.1-8B", "HF_TOKEN"),
        ("meta-llama/Llama-3.1-8B", "huggingface/meta-llama/Llama-3.1-8B", "HF_TOKEN"),
        ("ollama_chat/llama3", "ollama_chat/llama3", None),
        ("hosted_vllm/qwen", "hosted_vllm/qwen", None),
        ("mistral/mistral-large-latest", "mistral/mistral-large-latest", "MISTRAL_API_KEY"),
        ("fireworks_ai/some-model", "fireworks_ai/some-model", "FIREWORKS_AI_API_KEY"),
    ],
)
def test_model_ids(model: str, litellm_model: str, secret: str | None) -> None:
    resolved = resolve_model(model)
    assert (resolved.litellm_model, resolved.api_key_secret_name) == (litellm_model, secret)
    assert resolved.api_base is None


def test_unknown_provider_prefix_is_a_user_error_with_a_hint() -> None:
    with pytest.raises(UserError, match="'nosuchprovider' is not a provider") as info:
        resolve_model("nosuchprovider/model")
    assert info.value.hint is not None and "model_services" in info.value.hint


def test_empty_model_is_a_user_error() -> None:
    with pytest.raises(UserError):
        resolve_model("  ")


def test_ollama_runtime_service_from_the_go_example() -> None:
    service = {
        "name": "phi-local",
        "provider": "huggingface",
        "model": "phi3.5:3.8b-mini-instruct-q4_K_M",
        "runtime": "ollama",
        "transport": "local",
        "config": {"quantization": "int4"},
    }
    resolved = resolve_model("phi-local", [service])
    assert resolved.litellm_model == "ollama_chat/phi3.5:3.8b-mini-instruct-q4_K_M"
    assert resolved.api_base == "http://localhost:11434"
    assert resolved.api_key_secret_name is None
    assert resolved.service_name == "phi-local"


def test_vllm_and_cloud_runtimes() -> None:
    services: list[dict[str, Any]] = [
        {"name": "v", "model": "qwen", "runtime": "vllm"},
        {"name": "v2", "model": "hosted_vllm/qwen", "runtime": "vllm", "config": {"address": "http://gpu:9000/v1/"}},
        {"name": "c", "model": "mistralai/Mistral-7B", "runtime": "cloud"},
    ]
    resolver = ModelResolver(services)
    assert (resolver.resolve("v").litellm_model, resolver.resolve("v").api_base) == (
        "hosted_vllm/qwen",
        "http://localhost:8000/v1",
    )
    assert resolver.resolve("v2").litellm_model == "hosted_vllm/qwen"  # no double prefix
    assert resolver.resolve("v2").api_base == "http://gpu:9000/v1"
    cloud = resolver.resolve("c")
    assert (cloud.litellm_model, cloud.api_key_secret_name) == ("huggingface/mistralai/Mistral-7B", "HF_TOKEN")


def test_service_with_provider_secret_parameters_limits_and_timeout() -> None:
    service = {
        "name": "fast",
        "provider": "openai",
        "model": "gpt-4o-mini",
        "api_base": "http://127.0.0.1:9/v1",
        "api_key_secret": "TEAM_OPENAI_KEY",
        "parameters": {"temperature": 0.1},
        "rate_limit": {"requests_per_minute": 60, "tokens_per_minute": 10000},
        "timeout": "1m30s",
    }
    resolved = resolve_model("fast", [service])
    assert resolved.litellm_model == "openai/gpt-4o-mini"
    assert resolved.api_key_secret_name == "TEAM_OPENAI_KEY"
    assert dict(resolved.params) == {"temperature": 0.1}
    assert resolved.rate_limits == RateLimits(60, 10000)
    assert resolved.timeout_s == 90.0
    assert resolved.provider == "openai"
    assert resolved.provider_key == "http://127.0.0.1:9/v1"


def test_provider_aliases() -> None:
    assert resolve_model("g", [{"name": "g", "provider": "google", "model": "gemini-2.0-flash"}]).litellm_model == (
        "gemini/gemini-2.0-flash"
    )


def test_unknown_runtime_is_a_user_error() -> None:
    with pytest.raises(UserError, match="runtime 'tpu'"):
        resolve_model("x", [{"name": "x", "model": "m", "runtime": "tpu"}])


@pytest.mark.parametrize(("value", "seconds"), [(30, 30.0), (2.5, 2.5), ("45", 45.0), ("500ms", 0.5), ("2m", 120.0)])
def test_parse_duration(value: object, seconds: float) -> None:
    assert parse_duration(value, "t") == seconds


@pytest.mark.parametrize("value", ["soon", "5 minutes", "1d"])
def test_parse_duration_rejects(value: str) -> None:
    with pytest.raises(UserError, match="not a duration"):
        parse_duration(value, "t")


def test_resolver_caches() -> None:
    resolver = ModelResolver()
    assert resolver.resolve("gpt-4o") is resolver.resolve("gpt-4o")
