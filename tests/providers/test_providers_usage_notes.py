"""Token counts estimated because the server sent none (streamed: by LiteLLM; not streamed: by aixgo,
where LiteLLM would report zeros) are marked as estimates; counts the server sent are not."""

from __future__ import annotations

from tests.providers.providers_helpers import SecretBook, ask

from aixgo_cli.providers.litellm_client import LiteLLMClient
from aixgo_cli.providers.model_ref import ModelResolver
from aixgo_cli.testing.stub_model_server import StubModelServer


def test_streamed_counts_are_marked_estimated_only_when_the_server_sent_none(stub: StubModelServer) -> None:
    stub.script([{"content": "a streamed reply", "no_usage": True}, {"content": "a streamed reply"}])
    service = {"name": "svc", "provider": "openai_compatible", "model": "m", "api_base": stub.base_url}
    client = LiteLLMClient(SecretBook({"K": "sk-test"}), ModelResolver([service | {"api_key_secret": "K"}]))
    tokens: list[str] = []

    estimated = client.complete(ask("q", model="svc"), on_token=tokens.append).usage
    reported = client.complete(ask("q", model="svc"), on_token=tokens.append).usage

    assert estimated.tokens_estimated is True and estimated.completion_tokens > 0
    assert reported.tokens_estimated is False
    assert "".join(tokens) == "a streamed reply" * 2


def test_a_reply_without_usage_gets_estimated_counts_instead_of_zeros(stub: StubModelServer) -> None:
    stub.script([{"content": "a reply without counts", "no_usage": True}, {"content": "a counted reply"}])
    service = {"name": "svc", "provider": "openai_compatible", "model": "m", "api_base": stub.base_url}
    client = LiteLLMClient(SecretBook({"K": "sk-test"}), ModelResolver([service | {"api_key_secret": "K"}]))

    estimated = client.complete(ask("a question", model="svc")).usage
    reported = client.complete(ask("a question", model="svc")).usage

    assert estimated.tokens_estimated is True
    assert estimated.prompt_tokens > 0 and estimated.completion_tokens > 0
    assert reported.tokens_estimated is False
