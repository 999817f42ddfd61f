"""Requests without tools to an OpenAI-protocol server on this machine go through LiteLLM's `hosted_vllm/`
path instead of the OpenAI SDK (less CPU per call). The switch must change nothing anyone can see: the
same request body reaches the server, the same reply comes back, and the same errors, for every shape
aixgo sends; requests with tools and remote servers keep the SDK path."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest
from tests.providers.providers_helpers import SecretBook

from aixgo_cli.errors import AixgoError
from aixgo_cli.providers import litellm_client
from aixgo_cli.providers.litellm_client import LiteLLMClient, wire_model
from aixgo_cli.providers.model_ref import ModelResolver, ResolvedModel
from aixgo_cli.providers.types import ChatMessage, ChatRequest, ToolSpec
from aixgo_cli.testing.stub_model_server import StubModelServer

SCHEMA = {
    "type": "object",
    "properties": {"answer": {"type": "string"}},
    "required": ["answer"],
    "additionalProperties": False,
}
MESSAGES = (ChatMessage("system", "Be brief."), ChatMessage("user", "Define 'durable' — with ünïcode"))
SHAPES: list[dict[str, Any]] = [
    {},
    {"temperature": 0.2, "max_tokens": 50, "params": {"top_p": 0.5, "stop": ["END"], "seed": 3}},
    {"response_schema": SCHEMA, "structured_mode": "native"},
    {"response_schema": SCHEMA},
]
REPLY = {
    "id": "r",
    "object": "chat.completion",
    "created": 1,
    "model": "served",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": '{"answer": "hi"}'}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7},
}
CHUNKS: list[dict[str, Any]] = [
    {"choices": [{"index": 0, "delta": {"role": "assistant", "content": "hel"}, "finish_reason": None}]},
    {"choices": [{"index": 0, "delta": {"content": "lo"}, "finish_reason": "stop"}]},
    {"choices": [], "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}},
]


class Recorder(BaseHTTPRequestHandler):
    """Keeps every request body and answers with a fixed reply (streamed when asked)."""

    bodies: ClassVar[list[Any]] = []

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        self.bodies.append(body)
        if body.get("stream"):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            for chunk in CHUNKS:
                event: dict[str, Any] = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "served"}
                event.update(chunk)
                self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
            self.wfile.write(b"data: [DONE]\n\n")
            return
        out = json.dumps(REPLY).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)


@pytest.fixture
def recorder() -> Iterator[str]:
    Recorder.bodies = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/v1"
    finally:
        server.shutdown()
        server.server_close()


def client(api_base: str) -> LiteLLMClient:
    services = [
        {"name": "m", "provider": "openai_compatible", "model": "served", "api_base": api_base, "api_key_secret": "K"}
    ]
    return LiteLLMClient(SecretBook({"K": "sk-wire"}), ModelResolver(services))


def through_the_sdk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(litellm_client, "wire_model", lambda resolved, with_tools: resolved.litellm_model)


def exchange(api_base: str) -> tuple[list[Any], list[Any]]:
    """(bodies the server received, replies aixgo built) for every shape, then one streamed request."""
    adapter = client(api_base)
    replies = [adapter.complete(ChatRequest(model="m", messages=MESSAGES, **shape)).to_json() for shape in SHAPES]
    replies.append(adapter.complete(ChatRequest(model="m", messages=MESSAGES), on_token=lambda text: None).to_json())
    bodies = list(Recorder.bodies)
    Recorder.bodies.clear()
    return bodies, replies


def test_the_wire_path_rules() -> None:
    local = ResolvedModel("openai/served", api_base="http://127.0.0.1:8000/v1")
    assert wire_model(local, with_tools=False) == "hosted_vllm/served"
    assert wire_model(local, with_tools=True) == "openai/served"  # tool schemas keep `strict`
    assert wire_model(ResolvedModel("openai/served", api_base="https://llm.example.com/v1"), with_tools=False) == (
        "openai/served"
    )
    assert wire_model(ResolvedModel("openai/gpt-4o-mini"), with_tools=False) == "openai/gpt-4o-mini"
    assert wire_model(ResolvedModel("anthropic/claude-x", api_base="http://localhost:9/v1"), with_tools=False) == (
        "anthropic/claude-x"
    )


def test_the_same_body_arrives_and_the_same_reply_returns(recorder: str, monkeypatch: pytest.MonkeyPatch) -> None:
    ours = exchange(recorder)
    through_the_sdk(monkeypatch)
    theirs = exchange(recorder)
    assert len(ours[0]) == len(theirs[0]) == 5
    assert ours[0] == theirs[0]  # byte for byte as JSON: model, messages, parameters, response_format, stream
    assert ours[1] == theirs[1]  # content, finish reason, usage, cost known
    assert any("response_format" in body for body in ours[0]) and any(body.get("stream") for body in ours[0])


def test_a_request_with_tools_keeps_the_sdk_path(recorder: str, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    original = litellm_client.wire_model

    def recording(resolved: ResolvedModel, *, with_tools: bool) -> str:
        seen.append(original(resolved, with_tools=with_tools))
        return seen[-1]

    monkeypatch.setattr(litellm_client, "wire_model", recording)
    tool = ToolSpec("lookup", "Look a word up", SCHEMA)
    client(recorder).complete(ChatRequest(model="m", messages=MESSAGES, tools=(tool,)))
    assert seen == ["openai/served"]
    assert Recorder.bodies[-1]["tools"][0]["function"]["parameters"]["additionalProperties"] is False


@pytest.mark.parametrize(
    "failure",
    [
        {"status": 429, "retry_after": 7},
        {"status": 503},
        {"status": 500, "message": "boom"},
        {"status": 401},
        {"status": 400, "message": "bad parameter"},
        {"status": 400, "message": "This model's maximum context length is 8192 tokens"},
    ],
)
def test_errors_map_the_same_way(
    stub: StubModelServer, monkeypatch: pytest.MonkeyPatch, failure: dict[str, Any]
) -> None:
    def failed() -> AixgoError:
        stub.script([failure])
        with pytest.raises(AixgoError) as caught:
            client(stub.base_url).complete(ChatRequest(model="m", messages=MESSAGES))
        return caught.value

    ours = failed()
    through_the_sdk(monkeypatch)
    theirs = failed()
    assert type(ours) is type(theirs)
    fields = ("kind", "retryable", "status_code", "retry_after_s")
    assert [getattr(ours, f, None) for f in fields] == [getattr(theirs, f, None) for f in fields]
    assert ours.message == theirs.message and ours.hint == theirs.hint
