"""Failures where nothing answered (connection refused, DNS, client timeouts) are reported as what they
are, with the address, never as LiteLLM's made-up HTTP 500/408 or its class names; a provider's JSON
error body is reduced to its message; a DNS failure is not retried; a timed-out call to a local server is
not retried (it would queue behind the abandoned request); a vLLM model without an address is refused by
`validate` (and so by `run`, which validates first)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from tests.providers.providers_helpers import SecretBook, ask

from aixgo_cli.config.validate import validate_path
from aixgo_cli.providers.errors import ProviderError
from aixgo_cli.providers.litellm_client import LiteLLMClient, load_litellm, map_error
from aixgo_cli.providers.model_ref import ModelResolver, ResolvedModel
from aixgo_cli.providers.protocol import LLMClient
from aixgo_cli.providers.retry import RetryingClient, RetryPolicy
from aixgo_cli.providers.stack import build_client
from aixgo_cli.providers.types import ChatRequest, ChatResponse
from aixgo_cli.testing.stub_model_server import StubModelServer

LITELLM_WORDS = ("HTTP 500", "HTTP 408", "litellm", "InternalServerError", "APIConnectionError", "Exception -")


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def client_at(api_base: str, *, provider: str = "openai_compatible", **service: object) -> LiteLLMClient:
    entry = {"name": "svc", "provider": provider, "model": "m", "api_base": api_base, "api_key_secret": "K"}
    return LiteLLMClient(SecretBook({"K": "sk-test"}), ModelResolver([entry | service]))


def failure(client: LLMClient, request: ChatRequest) -> ProviderError:
    with pytest.raises(ProviderError) as info:
        client.complete(request)
    return info.value


@pytest.mark.parametrize("provider", ["openai_compatible", "vllm"])
def test_a_refused_connection_names_the_address(provider: str) -> None:
    port = closed_port()
    error = failure(client_at(f"http://127.0.0.1:{port}/v1", provider=provider), ask("q", model="svc"))
    assert f"connection refused by 127.0.0.1:{port}" in error.message
    assert error.kind == "connection" and error.retryable and error.status_code is None
    assert not any(words in error.message for words in LITELLM_WORDS), error.message


def test_a_client_timeout_says_how_long_it_waited(stub: StubModelServer) -> None:
    stub.script([{"content": "late", "delay": 3}])
    error = failure(client_at(stub.base_url, timeout="0.5s"), ask("q", model="svc"))
    assert f"timed out after 0.5 s waiting for 127.0.0.1:{stub.port}" in error.message
    assert error.kind == "timeout" and error.status_code is None
    assert not any(words in error.message for words in LITELLM_WORDS), error.message


def test_a_provider_error_body_is_reduced_to_its_message(stub: StubModelServer) -> None:
    stub.script([{"status": 400, "message": "model 'm' does not exist"}])
    error = failure(client_at(stub.base_url), ask("q", model="svc"))
    assert "HTTP 400" in error.message and "model 'm' does not exist" in error.message
    assert '{"error"' not in error.message and "invalid_request_error" not in error.message


def test_a_dns_failure_is_not_retried() -> None:
    litellm = load_litellm()
    resolved = ResolvedModel("hosted_vllm/m", api_base="http://no-such-host.invalid:8000/v1")
    try:
        try:
            raise socket.gaierror(-2, "Name or service not known")
        except socket.gaierror as lookup:
            raise litellm.InternalServerError("Connection error.", "hosted_vllm", "hosted_vllm/m") from lookup
    except Exception as exc:  # what LiteLLM raises for a DNS failure, built offline
        mapped = map_error(litellm, exc, resolved, None)
    assert isinstance(mapped, ProviderError)
    assert "cannot resolve the address of no-such-host.invalid:8000" in mapped.message
    assert not mapped.retryable and "HTTP 500" not in mapped.message

    class Failing:
        calls = 0

        def complete(self, request: ChatRequest, *, on_token: object = None) -> ChatResponse:
            Failing.calls += 1
            raise mapped

    with pytest.raises(ProviderError):
        RetryingClient(Failing(), RetryPolicy(max_attempts=4), sleep=lambda s: None).complete(ask("q"))
    assert Failing.calls == 1


def test_a_timed_out_call_to_a_local_server_is_not_retried(stub: StubModelServer) -> None:
    stub.script([{"content": "late", "delay": 3}, "second"])
    service = {"name": "svc", "provider": "openai_compatible", "model": "m", "api_base": stub.base_url}
    client = build_client(lambda name: "sk-test", [service | {"timeout": "0.5s", "api_key_secret": "K"}])
    error = failure(client, ask("q", model="svc"))
    assert error.kind == "timeout" and error.attempts == 1
    assert stub.stats()["total"] == 1


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("agents:\n  - name: a\n    role: react\n    model: hosted_vllm/llama\n    prompt: hi\n", 6),
        (
            "model_services:\n  - name: s\n    provider: vllm\n    model: llama\n"
            "agents:\n  - name: a\n    role: react\n    model: s\n    prompt: hi\n",
            4,
        ),
    ],
)
def test_a_vllm_model_without_an_address_is_refused_by_validate(tmp_path: Path, text: str, line: int) -> None:
    path = tmp_path / "wf.yaml"
    path.write_text("version: 1\nname: v\n" + text, encoding="utf-8")
    report = validate_path(path)
    [issue] = [i for i in report.errors if i.code == "missing-endpoint"]
    assert issue.line == line and "api_base" in (issue.hint or "")


def test_a_reply_that_is_not_json_is_said_as_such(stub: StubModelServer) -> None:
    stub.script([{"malformed": True}])
    error = failure(client_at(stub.base_url), ask("q", model="svc"))
    assert f"the reply from 127.0.0.1:{stub.port} is not valid JSON (Expecting value" in error.message
    assert error.kind == "malformed" and error.retryable and error.status_code is None
    assert not any(words in error.message for words in (*LITELLM_WORDS, "APIResponse", "class ")), error.message
