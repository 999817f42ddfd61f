"""The provider value types: immutable, and a lossless JSON round trip (the journal stores JSON only)."""

from __future__ import annotations

import json

import pytest

from aixgo_cli.providers.types import ChatMessage, ChatRequest, ChatResponse, ToolCall, ToolSpec, Usage


def full_request() -> ChatRequest:
    call = ToolCall("call_1", "get_weather", '{"city": "Paris"}')
    return ChatRequest(
        model="openai/gpt-4o-mini",
        messages=[  # type: ignore[arg-type]  # a list on purpose: it must become a tuple
            ChatMessage("system", "be brief"),
            ChatMessage("user", "weather?"),
            ChatMessage("assistant", None, [call]),  # type: ignore[arg-type]
            ChatMessage("tool", "18C", tool_call_id="call_1", name="get_weather"),
        ],
        tools=(ToolSpec("get_weather", "look it up", {"type": "object", "properties": {"city": {}}}),),
        temperature=0.2,
        max_tokens=100,
        response_schema={"type": "object", "required": ["a"]},
        params={"seed": 7, "stop": ["\n"]},
        timeout_s=12.5,
    )


def test_request_round_trips_through_json_text() -> None:
    request = full_request()
    restored = ChatRequest.from_json(json.loads(json.dumps(request.to_json())))
    assert restored == request
    assert isinstance(restored.messages, tuple)
    assert isinstance(restored.messages[2].tool_calls, tuple)


def test_response_round_trips_and_keeps_usage_and_attempts() -> None:
    response = ChatResponse(
        content=None,
        tool_calls=(ToolCall("c", "f", "{}"),),
        finish_reason="tool_calls",
        usage=Usage(10, 5, 0.25, False),
        model="openai/x",
        attempts=3,
    )
    assert ChatResponse.from_json(json.loads(response.to_json_text())) == response


def test_from_json_fills_defaults_for_fields_an_older_record_lacks() -> None:
    restored = ChatResponse.from_json({"content": "hi"})
    assert restored == ChatResponse(content="hi", usage=Usage(), attempts=1)


def test_from_json_names_a_missing_required_field() -> None:
    with pytest.raises(ValueError, match="no 'model'"):
        ChatRequest.from_json({"messages": []})


def test_values_are_frozen() -> None:
    message = ChatMessage("user", "x")
    with pytest.raises(AttributeError):
        message.content = "y"  # type: ignore[misc]


def test_to_openai_shapes() -> None:
    request = full_request()
    assistant = request.messages[2].to_openai()
    assert assistant == {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}
        ],
    }
    assert request.messages[3].to_openai() == {
        "role": "tool",
        "content": "18C",
        "tool_call_id": "call_1",
        "name": "get_weather",
    }
    assert request.tools[0].to_openai()["function"]["name"] == "get_weather"


def test_usage_adds_and_unknown_cost_is_sticky() -> None:
    total = Usage(1, 2, 0.5, True) + Usage(3, 4, 0.25, False)
    assert total == Usage(4, 6, 0.75, False)
    assert total.total_tokens == 10


def test_tool_call_arguments_parse() -> None:
    assert ToolCall("c", "f", '{"a": 1}').arguments() == {"a": 1}
    assert ToolCall("c", "f", "").arguments() == {}
    with pytest.raises(json.JSONDecodeError):
        ToolCall("c", "f", "{broken").arguments()


def test_response_as_message_continues_the_conversation() -> None:
    response = ChatResponse(content=None, tool_calls=(ToolCall("c", "f", "{}"),))
    assert response.as_message() == ChatMessage("assistant", None, (ToolCall("c", "f", "{}"),))


def test_last_user_text() -> None:
    assert full_request().last_user_text() == "weather?"
