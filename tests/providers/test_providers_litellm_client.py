"""The LiteLLM adapter through real litellm over real HTTP to the stub server on 127.0.0.1.

litellm is imported once for this process (~3 s) and shared by every test here.
"""

from __future__ import annotations

import json
import logging
import random
from concurrent.futures import ThreadPoolExecutor

import pytest
from tests.providers.providers_helpers import PLANTED_SECRET, NoSecrets, SecretBook, Sleeps, ask

from aixgo_cli.errors import ConfigurationError, ExitCode, RunError
from aixgo_cli.providers.errors import ProviderError, RetriesExhaustedError
from aixgo_cli.providers.litellm_client import LiteLLMClient, load_litellm
from aixgo_cli.providers.model_ref import ModelResolver
from aixgo_cli.providers.retry import RetryingClient, RetryPolicy
from aixgo_cli.providers.stack import build_client
from aixgo_cli.providers.types import ChatMessage, ChatRequest, ToolSpec
from aixgo_cli.testing.stub_model_server import StubModelServer

WEATHER = ToolSpec(
    "get_weather",
    "Current weather for a city",
    {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)


def services_for(stub: StubModelServer) -> list[dict[str, object]]:
    """Every model name a test uses, pointed at the stub."""
    return [
        {
            "name": "openai/test",
            "provider": "openai",
            "model": "test",
            "api_base": stub.base_url,
            "api_key_secret": "OPENAI_API_KEY",
        },
        {
            "name": "priced",
            "provider": "openai",
            "model": "gpt-4o-mini",
            "api_base": stub.base_url,
            "api_key_secret": "OPENAI_API_KEY",
        },
        {
            "name": "declared",
            "provider": "openai",
            "model": "gpt-4o-mini",
            "api_base": stub.base_url,
            "api_key_secret": "OPENAI_API_KEY",
            "pricing": {"input_per_million": 1.0, "output_per_million": 2.0},
        },
        {"name": "vllm-local", "runtime": "vllm", "model": "qwen", "api_base": stub.base_url},
        {
            "name": "team",
            "provider": "openai",
            "model": "team-model",
            "api_base": stub.base_url,
            "api_key_secret": "TEAM_KEY",
            "parameters": {"temperature": 0.3},
            "timeout": "5s",
        },
    ]


def adapter(stub: StubModelServer, secret: str = "sk-test", **kwargs: object) -> LiteLLMClient:
    book = SecretBook({"OPENAI_API_KEY": secret, "TEAM_KEY": "sk-team"})
    return LiteLLMClient(book, ModelResolver(services_for(stub)), **kwargs)  # type: ignore[arg-type]


def retrying(stub: StubModelServer, sleeps: Sleeps, max_attempts: int = 4) -> RetryingClient:
    policy = RetryPolicy(max_attempts=max_attempts)
    return RetryingClient(adapter(stub), policy, sleep=sleeps, rng=random.Random(0))


def test_plain_completion(stub: StubModelServer) -> None:
    response = adapter(stub).complete(ask("hello"))
    assert response.content == "stub: hello"
    assert response.finish_reason == "stop"
    assert (response.usage.prompt_tokens, response.usage.completion_tokens) == (2, 3)
    assert response.attempts == 1
    assert stub.stats()["requests"][0]["model"] == "test"


def test_streaming_delivers_tokens_and_returns_the_full_response(stub: StubModelServer) -> None:
    stub.script([{"content": "alpha beta gamma", "usage": {"prompt_tokens": 7, "completion_tokens": 3}}])
    tokens: list[str] = []
    response = adapter(stub).complete(ask("q"), on_token=tokens.append)
    assert tokens == ["alpha ", "beta ", "gamma"]
    assert response.content == "alpha beta gamma"
    assert (response.usage.prompt_tokens, response.usage.completion_tokens) == (7, 3)
    assert stub.stats()["requests"][0]["stream"] is True


def test_tool_call_round_trip(stub: StubModelServer) -> None:
    client = adapter(stub)
    stub.script([{"tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}, "id": "call_7"}]}])
    first = client.complete(ask("weather in Paris?", tools=(WEATHER,)))
    assert first.finish_reason == "tool_calls"
    assert first.content is None
    [call] = first.tool_calls
    assert (call.id, call.name, call.arguments()) == ("call_7", "get_weather", {"city": "Paris"})

    conversation = (
        ChatMessage("user", "weather in Paris?"),
        first.as_message(),
        ChatMessage("tool", "18C and sunny", tool_call_id=call.id, name=call.name),
    )
    second = client.complete(ChatRequest("openai/test", conversation, tools=(WEATHER,)))
    assert second.content == "stub: 18C and sunny"  # the stub echoes the tool result it received
    assert [r["has_tools"] for r in stub.stats()["requests"]] == [True, True]


def test_streamed_tool_calls_are_assembled(stub: StubModelServer) -> None:
    stub.script([{"tool_calls": [{"name": "get_weather", "arguments": {"city": "Oslo"}}]}])
    tokens: list[str] = []
    response = adapter(stub).complete(ask("q", tools=(WEATHER,)), on_token=tokens.append)
    assert tokens == []
    assert [(c.name, c.arguments()) for c in response.tool_calls] == [("get_weather", {"city": "Oslo"})]
    assert response.finish_reason == "tool_calls"


def test_rate_limit_with_retry_after_then_success(stub: StubModelServer) -> None:
    stub.script([{"status": 429, "retry_after": 1}, "after the wait"])
    sleeps = Sleeps()
    response = retrying(stub, sleeps).complete(ask("q"))
    assert response.content == "after the wait"
    assert response.attempts == 2
    assert stub.stats()["total"] == 2  # no hidden SDK or litellm retries
    assert sleeps.calls == [1.0]


def test_server_errors_are_retried_with_backoff(stub: StubModelServer) -> None:
    stub.script([{"status": 500}, {"status": 503}, "finally"])
    sleeps = Sleeps()
    response = retrying(stub, sleeps).complete(ask("q"))
    assert (response.content, response.attempts, stub.stats()["total"]) == ("finally", 3, 3)
    assert len(sleeps.calls) == 2
    assert 0.0 <= sleeps.calls[0] <= 1.0 and 0.0 <= sleeps.calls[1] <= 2.0


def test_timeouts_are_retried_then_fail_with_the_exact_request_count(stub: StubModelServer) -> None:
    stub.script([{"delay": 3}, {"delay": 3}])
    client = RetryingClient(adapter(stub, default_timeout_s=0.3), RetryPolicy(max_attempts=2), sleep=Sleeps())
    with pytest.raises(RetriesExhaustedError) as info:
        client.complete(ask("q"))
    assert info.value.kind == "timeout"
    assert info.value.attempts == 2
    assert isinstance(info.value, RunError) and info.value.exit_code == ExitCode.STEP_FAILED
    assert stub.stats()["total"] == 2


def test_request_timeout_overrides_the_default(stub: StubModelServer) -> None:
    stub.script([{"delay": 3}])
    with pytest.raises(ProviderError) as info:
        adapter(stub, default_timeout_s=60).complete(ask("q", timeout_s=0.3))
    assert info.value.kind == "timeout"
    assert info.value.retryable is True


def test_malformed_reply_is_a_run_error(stub: StubModelServer) -> None:
    stub.script([{"malformed": True}])
    with pytest.raises(ProviderError) as info:
        adapter(stub).complete(ask("q"))
    assert info.value.kind == "malformed"
    assert isinstance(info.value, RunError)
    stub.script([{"malformed": True}, {"malformed": True}])
    with pytest.raises(RetriesExhaustedError):
        retrying(stub, Sleeps(), max_attempts=2).complete(ask("q"))
    assert stub.stats()["total"] == 3


def test_bad_request_is_not_retried(stub: StubModelServer) -> None:
    stub.script([{"status": 400, "message": "unsupported parameter"}, "never"])
    with pytest.raises(ProviderError, match="unsupported parameter") as info:
        retrying(stub, Sleeps()).complete(ask("q"))
    assert (info.value.kind, info.value.retryable, info.value.status_code) == ("bad_request", False, 400)
    assert stub.stats()["total"] == 1


def test_rejected_key_is_a_configuration_error_naming_the_secret(stub: StubModelServer) -> None:
    stub.script([{"status": 401}])
    with pytest.raises(ConfigurationError) as info:
        retrying(stub, Sleeps()).complete(ask("q"))
    assert "OPENAI_API_KEY" in info.value.message
    assert info.value.hint == "Store a valid key with: aixgo secrets set OPENAI_API_KEY"
    assert info.value.exit_code == ExitCode.CREDENTIALS
    assert stub.stats()["total"] == 1


def test_a_planted_secret_appears_in_no_error_log_or_output(
    stub: StubModelServer, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    load_litellm()
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="LiteLLM")
    stub.script([{"status": 401}])  # the stub echoes the presented key in its error message
    with pytest.raises(ConfigurationError) as info:
        adapter(stub, secret=PLANTED_SECRET).complete(ask("q"))
    error = info.value
    texts = [str(error), repr(error), error.message, error.hint or "", str(error.__cause__), str(error.__context__)]
    assert all(PLANTED_SECRET not in t for t in texts)
    assert error.__cause__ is None and error.__context__ is None
    assert "***" in error.message  # the echoed key was there and was redacted
    assert caplog.records, "litellm's debug logging was captured"
    assert all(PLANTED_SECRET not in r.getMessage() for r in caplog.records)
    captured = capsys.readouterr()
    assert PLANTED_SECRET not in captured.out + captured.err


def test_litellm_writes_nothing_to_stdout_even_when_debug_logging_is_on(
    stub: StubModelServer, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    load_litellm()  # import first: this test is about the handler, which exists only after import
    caplog.set_level(logging.DEBUG, logger="LiteLLM")  # litellm's own handler would print these to stdout
    stub.script([{"status": 500}])
    with pytest.raises(ProviderError):
        adapter(stub).complete(ask("q"))
    adapter(stub).complete(ask("q"))
    assert any(r.name == "LiteLLM" for r in caplog.records)
    assert capsys.readouterr().out == ""


def test_cost_follows_the_endpoint_not_the_model_name(stub: StubModelServer) -> None:
    thousand = {"content": "x", "usage": {"prompt_tokens": 1000, "completion_tokens": 1000}}
    stub.script([thousand, thousand, thousand])
    # A server at a custom address serving a model named like OpenAI's is not charged OpenAI's prices.
    named_like_openai = adapter(stub).complete(ask("q", model="priced")).usage
    assert (named_like_openai.cost_usd, named_like_openai.cost_known) == (0.0, False)
    declared = adapter(stub).complete(ask("q", model="declared")).usage
    assert declared.cost_known is True and declared.cost_usd == pytest.approx(1000 * 1e-6 + 1000 * 2e-6)
    unknown = adapter(stub).complete(ask("q")).usage
    assert (unknown.cost_usd, unknown.cost_known) == (0.0, False)


def test_response_schema_is_sent_only_to_models_that_support_it(stub: StubModelServer) -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string"}}}
    client = adapter(stub)
    client.complete(ask("q", model="priced", response_schema=schema))
    client.complete(ask("q", response_schema=schema))
    assert [r["has_response_format"] for r in stub.stats()["requests"]] == [True, False]
    assert client.supports_response_schema("priced") is True
    assert client.supports_response_schema("openai/test") is False


def test_service_secret_parameters_and_local_runtime(stub: StubModelServer) -> None:
    book = SecretBook({"TEAM_KEY": "sk-team"})
    team = LiteLLMClient(book, ModelResolver(services_for(stub))).complete(ask("q", model="team"))
    assert team.content == "stub: q"
    assert book.asked == ["TEAM_KEY"]
    local = LiteLLMClient(NoSecrets(), ModelResolver(services_for(stub))).complete(ask("q", model="vllm-local"))
    assert local.content == "stub: q"
    assert local.usage.cost_known is True  # self-hosted: free, not unknown
    assert stub.stats()["by_model"] == {"team-model": 1, "qwen": 1}


def test_missing_secret_error_from_the_source_propagates(stub: StubModelServer) -> None:
    def get_secret(name: str) -> str:
        raise ConfigurationError(f"secret {name} is not set", hint=f"aixgo secrets set {name}")

    with pytest.raises(ConfigurationError, match="OPENAI_API_KEY"):
        LiteLLMClient(get_secret, ModelResolver(services_for(stub))).complete(ask("q"))
    assert stub.stats()["total"] == 0  # nothing was sent


def test_parallel_calls_from_worker_threads(outbound_connections: list[tuple[str, int]]) -> None:
    # A server of its own: the session's stub may already have pooled connections open to it.
    with StubModelServer() as stub:
        client = build_client(SecretBook({"OPENAI_API_KEY": "sk-test"}), services_for(stub))
        prompts = [f"item {i}" for i in range(40)]
        with ThreadPoolExecutor(max_workers=10) as pool:
            answers = list(pool.map(lambda p: client.complete(ask(p)).content, prompts))
        assert answers == [f"stub: {p}" for p in prompts]
        assert stub.stats()["total"] == 40
    assert outbound_connections, "the audit hook saw the connections"
    assert {host for host, _ in outbound_connections} == {"127.0.0.1"}


def test_the_stack_retries_and_records_attempts(stub: StubModelServer) -> None:
    stub.script([{"status": 429, "retry_after": 0}, "ok"])
    client = build_client(SecretBook({"OPENAI_API_KEY": "k"}), services_for(stub), sleep=Sleeps())
    assert client.complete(ask("q")).attempts == 2


def test_json_tool_arguments_survive_byte_for_byte(stub: StubModelServer) -> None:
    raw = '{"city": "Zürich", "days": [1, 2]}'
    stub.script([{"tool_calls": [{"name": "get_weather", "arguments": raw}]}])
    [call] = adapter(stub).complete(ask("q", tools=(WEATHER,))).tool_calls
    assert json.loads(call.arguments_json) == {"city": "Zürich", "days": [1, 2]}
