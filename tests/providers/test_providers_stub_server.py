"""The stub model server itself, over plain HTTP (no litellm), so its behaviour is pinned down."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from tests.providers.providers_helpers import http_call

from aixgo_cli.testing.stub_model_server import StubModelServer
from aixgo_cli.testing.stub_replies import messages_hash

REPO = Path(__file__).resolve().parents[2]


def chat(stub: StubModelServer, body: dict[str, object]) -> tuple[int, dict[str, str], bytes]:
    return http_call("POST", stub.base_url + "/chat/completions", body)


def user(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


def sse_events(raw: bytes) -> list[str]:
    return [line.removeprefix("data: ") for line in raw.decode().split("\n\n") if line.strip()]


def test_listens_on_loopback_only(stub: StubModelServer) -> None:
    assert stub.base_url.startswith("http://127.0.0.1:")
    assert stub.base_url.endswith("/v1")


def test_default_reply_echoes_last_user_message_with_length_based_usage(stub: StubModelServer) -> None:
    status, _, raw = chat(stub, {"model": "m1", "messages": user("hello there")})
    body = json.loads(raw)
    assert status == 200
    assert body["choices"][0]["message"]["content"] == "stub: hello there"
    assert body["choices"][0]["finish_reason"] == "stop"
    # 11 prompt chars -> 3 tokens; "stub: hello there" is 17 chars -> 5 tokens
    assert body["usage"] == {"prompt_tokens": 3, "completion_tokens": 5, "total_tokens": 8}


def test_default_reply_echoes_a_tool_result_that_follows_the_user_message(stub: StubModelServer) -> None:
    messages = [*user("weather?"), {"role": "tool", "tool_call_id": "c1", "content": "18C"}]
    _, _, raw = chat(stub, {"model": "m", "messages": messages})
    assert json.loads(raw)["choices"][0]["message"]["content"] == "stub: 18C"


def test_script_is_fifo_and_then_falls_back_to_default(stub: StubModelServer) -> None:
    stub.script(["first", {"content": "second"}])
    answers = [json.loads(chat(stub, {"model": "m", "messages": user("q")})[2]) for _ in range(3)]
    contents = [a["choices"][0]["message"]["content"] for a in answers]
    assert contents == ["first", "second", "stub: q"]


def test_script_over_http_and_stats_and_reset(stub: StubModelServer) -> None:
    status, _, raw = http_call("POST", stub.base_url.removesuffix("/v1") + "/_stub/script", ["x", "y"])
    assert (status, json.loads(raw)) == (200, {"queued": 2})
    chat(stub, {"model": "a", "messages": user("1")})
    chat(stub, {"model": "b", "messages": user("2"), "stream": True, "tools": [{"type": "function"}]})
    _, _, raw = http_call("GET", stub.base_url.removesuffix("/v1") + "/_stub/stats")
    stats = json.loads(raw)
    assert stats["total"] == 2
    assert stats["by_model"] == {"a": 1, "b": 1}
    assert stats["requests"][0] == {
        "model": "a",
        "messages_hash": messages_hash(user("1")),
        "last_user": "1",
        "stream": False,
        "has_tools": False,
        "has_response_format": False,
        "response_format": None,
        "tool_choice": None,
        "max_tokens": None,
        "temperature": None,
    }
    assert stats["requests"][1]["stream"] is True
    assert stats["requests"][1]["has_tools"] is True
    http_call("POST", stub.base_url.removesuffix("/v1") + "/_stub/reset", {})
    assert stub.stats()["total"] == 0


def test_rules_answer_by_regex_on_the_last_user_message(stub: StubModelServer) -> None:
    stub.set_rules([{"match": r"^classify", "reply": "billing"}, {"match": "weather", "reply": "sunny"}])
    answers = {}
    for text in ["what is the weather", "classify: refund", "other"]:
        raw = chat(stub, {"model": "m", "messages": user(text)})[2]
        answers[text] = json.loads(raw)["choices"][0]["message"]["content"]
    assert answers == {"what is the weather": "sunny", "classify: refund": "billing", "other": "stub: other"}


def test_rejects_an_invalid_rule_or_script_item(stub: StubModelServer) -> None:
    with pytest.raises(ValueError, match="unknown script item keys"):
        stub.script([{"contnet": "typo"}])
    status, _, _ = http_call("POST", stub.base_url.removesuffix("/v1") + "/_stub/rules", [{"match": "("}])
    assert status == 400


def test_tool_call_reply(stub: StubModelServer) -> None:
    stub.script([{"tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}, "id": "call_9"}]}])
    body = json.loads(chat(stub, {"model": "m", "messages": user("q")})[2])
    choice = body["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["tool_calls"] == [
        {"id": "call_9", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}
    ]


def test_error_replies_carry_status_and_retry_after(stub: StubModelServer) -> None:
    stub.script([{"status": 429, "retry_after": 3}, {"status": 500}])
    status, headers, raw = chat(stub, {"model": "m", "messages": user("q")})
    assert (status, headers["Retry-After"]) == (429, "3")
    assert json.loads(raw)["error"]["type"] == "rate_limit_error"
    status, headers, _ = chat(stub, {"model": "m", "messages": user("q")})
    assert status == 500
    assert "Retry-After" not in headers


def test_malformed_reply_is_not_json(stub: StubModelServer) -> None:
    stub.script([{"malformed": True}])
    status, _, raw = chat(stub, {"model": "m", "messages": user("q")})
    assert status == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(raw)


def test_streaming_sends_sse_chunks_usage_and_done(stub: StubModelServer) -> None:
    stub.script([{"content": "one two three"}])
    body = {"model": "m", "messages": user("q"), "stream": True, "stream_options": {"include_usage": True}}
    status, headers, raw = chat(stub, body)
    events = sse_events(raw)
    assert status == 200
    assert headers["Content-Type"] == "text/event-stream"
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
    assert text == "one two three"
    assert chunks[-1]["choices"] == []
    assert chunks[-1]["usage"]["completion_tokens"] == 4


def test_streaming_without_include_usage_sends_no_usage_chunk(stub: StubModelServer) -> None:
    _, _, raw = chat(stub, {"model": "m", "messages": user("q"), "stream": True})
    chunks = [json.loads(e) for e in sse_events(raw)[:-1]]
    assert all("usage" not in c for c in chunks)


def test_models_endpoint_lists_models_seen(stub: StubModelServer) -> None:
    chat(stub, {"model": "my-model", "messages": user("q")})
    _, _, raw = http_call("GET", stub.base_url + "/models")
    assert {m["id"] for m in json.loads(raw)["data"]} == {"my-model", "stub-model"}


def test_requests_are_counted_when_they_arrive_before_a_delay(stub: StubModelServer) -> None:
    stub.script([{"delay": 30}])
    body = json.dumps({"model": "slow", "messages": user("q")}).encode()
    request = urllib.request.Request(stub.base_url + "/chat/completions", data=body, method="POST")
    with pytest.raises(TimeoutError):
        urllib.request.urlopen(request, timeout=0.3)  # gives up long before the server's delay ends
    assert stub.stats()["by_model"] == {"slow": 1}


@pytest.mark.slow
def test_runs_as_a_module_and_writes_its_port(tmp_path: Path) -> None:
    port_file = tmp_path / "port"
    process = subprocess.Popen(
        [sys.executable, "-m", "aixgo_cli.testing.stub_model_server", "--port", "0", "--port-file", str(port_file)],
        cwd=REPO,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()  # printed after the port file is written
        port = int(port_file.read_text())
        assert f"127.0.0.1:{port}" in banner
        status, _, raw = http_call(
            "POST", f"http://127.0.0.1:{port}/v1/chat/completions", {"model": "m", "messages": user("hi")}
        )
        assert status == 200
        assert json.loads(raw)["choices"][0]["message"]["content"] == "stub: hi"
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0
