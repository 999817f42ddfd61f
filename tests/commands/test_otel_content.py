"""Prompts and replies on model-call spans: off by default, on when asked, and always redacted."""

from __future__ import annotations

import json

import pytest
from tests.commands.otlp_receiver import OtlpReceiver, attributes
from tests.commands.test_otel import WORKFLOW, clean
from tests.support.e2e import STUB_KEY, Cli, stub_service

from aixgo_cli.events import LLMCalled, event_to_dict
from aixgo_cli.providers.types import ChatMessage, ChatRequest, ChatResponse, ToolCall
from aixgo_cli.render.otel_content import CAPTURE_VAR, content_attributes
from aixgo_cli.testing.stub_model_server import StubModelServer

PLANTED = "sk-proj-" + "Q" * 28  # shaped like a key: the filter masks it wherever it appears


def chat_spans(cli: Cli, stub: StubModelServer, env: dict[str, str]) -> list[dict[str, object]]:
    clean(cli).write("wf.yaml", WORKFLOW.format(service=stub_service(stub)))
    with OtlpReceiver() as receiver:
        env = {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": receiver.endpoint + "/v1/traces", **env}
        done = cli.run("run", "wf.yaml", "--input", f"hi {PLANTED} {STUB_KEY}", "--otel", env=env)
        assert done.returncode == 0, done.stderr
        spans = receiver.spans()
    return [attributes(s) for s in spans if s.name == "chat stub"]


@pytest.mark.slow
def test_no_content_on_spans_by_default_or_when_the_switch_is_false(cli: Cli, stub: StubModelServer) -> None:
    for env in ({}, {CAPTURE_VAR: "false"}):
        chats = chat_spans(cli, stub, env)
        assert len(chats) == 2
        assert not any(key.startswith(("gen_ai.input", "gen_ai.output")) for chat in chats for key in chat)
        assert not any("Say: hi" in str(chat) for chat in chats)


@pytest.mark.slow
def test_content_on_spans_when_asked_with_secrets_masked(cli: Cli, stub: StubModelServer) -> None:
    chats = chat_spans(cli, stub, {CAPTURE_VAR: "true"})
    assert len(chats) == 2
    first = json.loads(str(chats[0]["gen_ai.input.messages"]))
    user = [m for m in first if m["role"] == "user"]
    assert user and user[-1]["parts"][0]["type"] == "text"
    assert any("Say: hi" in str(chat["gen_ai.input.messages"]) for chat in chats)
    for chat in chats:
        output = json.loads(str(chat["gen_ai.output.messages"]))
        assert output[0]["role"] == "assistant" and output[0]["finish_reason"] == "stop"
    text = json.dumps(chats)
    assert PLANTED not in text and STUB_KEY not in text
    assert "sk-***" in text  # masked, not dropped


def test_the_exchange_never_reaches_the_event_stream() -> None:
    request = ChatRequest(model="m", messages=(ChatMessage("user", f"key {PLANTED}"),))
    response = ChatResponse("ok")
    event = LLMCalled(
        run_id="r", at=0.0, unit_key="u", model="m", cached=False, attempts=1, prompt_tokens=1,
        completion_tokens=1, cost_usd=0.0, duration_ms=1.0, exchange=(request, response),
    )  # fmt: skip
    assert "exchange" not in event_to_dict(event) and PLANTED not in json.dumps(event_to_dict(event))


def test_tool_calls_and_results_take_the_conventions_part_types() -> None:
    call = ToolCall("c1", "lookup", '{"q": "x"}')
    request = ChatRequest(
        model="m",
        messages=(
            ChatMessage("system", "be brief"),
            ChatMessage("user", "find x"),
            ChatMessage("assistant", None, (call,)),
            ChatMessage("tool", f"found {PLANTED}", tool_call_id="c1", name="lookup"),
        ),
    )
    attributes = content_attributes((request, ChatResponse("done", finish_reason="stop")))
    assert json.loads(attributes["gen_ai.system_instructions"]) == [{"type": "text", "content": "be brief"}]
    messages = json.loads(attributes["gen_ai.input.messages"])
    assert [m["role"] for m in messages] == ["user", "assistant", "tool"]
    assert messages[1]["parts"] == [{"type": "tool_call", "id": "c1", "name": "lookup", "arguments": '{"q": "x"}'}]
    assert (
        messages[2]["parts"][0]["type"] == "tool_call_response" and PLANTED not in attributes["gen_ai.input.messages"]
    )
    assert json.loads(attributes["gen_ai.output.messages"])[0]["parts"] == [{"type": "text", "content": "done"}]
