"""The in-process scripted client shipped for engine tests."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from tests.providers.providers_helpers import ask

from aixgo_cli.providers.errors import ProviderError
from aixgo_cli.providers.types import ChatMessage, ChatRequest, ChatResponse, Usage
from aixgo_cli.testing.fake_client import ScriptedClient


def test_script_then_rules_then_default() -> None:
    client = ScriptedClient(["scripted"], rules=[("^classify", "billing")])
    answers = [client.complete(ask(t)).content for t in ["x", "classify: a refund", "hello"]]
    assert answers == ["scripted", "billing", "stub: hello"]
    assert [r.last_user_text() for r in client.requests] == ["x", "classify: a refund", "hello"]


def test_items_may_be_responses_exceptions_or_functions() -> None:
    fixed = ChatResponse(content="fixed", usage=Usage(1, 1, 0.0, True), attempts=5)
    error = ProviderError("boom", kind="server", retryable=True, model="m")
    client = ScriptedClient([fixed, error, lambda request: request.model])
    assert client.complete(ask("q")).attempts == 1  # one call to a fake is one attempt
    with pytest.raises(ProviderError):
        client.complete(ask("q"))
    assert client.complete(ask("q", model="openai/echo")).content == "openai/echo"


def test_default_echoes_a_tool_result_and_streams_once() -> None:
    request = ChatRequest("m", (ChatMessage("user", "w?"), ChatMessage("tool", "18C", tool_call_id="c")))
    tokens: list[str] = []
    response = ScriptedClient().complete(request, on_token=tokens.append)
    assert (response.content, tokens) == ("stub: 18C", ["stub: 18C"])
    assert response.usage.completion_tokens == 3


def test_thread_safe_fifo() -> None:
    client = ScriptedClient([str(i) for i in range(200)])
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: client.complete(ask("q")).content, range(200)))
    assert sorted(answers, key=lambda a: int(a or -1)) == [str(i) for i in range(200)]
    assert len(client.requests) == 200
