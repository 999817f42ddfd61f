"""A scripted OpenAI-compatible model server for 127.0.0.1, so tests drive real LiteLLM over real HTTP.

Why a real server and not a mock: request building, streaming, error mapping and retry counts are exactly
where the provider layer breaks, and only real HTTP exercises them. Shape:

* ``POST /v1/chat/completions`` answers from, in order: the FIFO script, the first matching rule (a regex
  searched in the last user message: order-independent answers for long runs), else the default reply
  ``"stub: "`` + the last user message or tool result (so a tool loop against the stub ends once the
  tool has answered, and a test sees what the tool returned). Reply shapes: see `stub_replies`.
* ``POST /v1/embeddings`` answers with deterministic hashed bag-of-words vectors (`stub_embeddings`);
  ``{"embedding_failures": n}`` in ``/_stub/config`` makes the next n embedding requests fail with 500;
  ``latency_s`` delays them like chat answers.
* ``GET /v1/models``; ``POST /_stub/script`` (JSON list, appended); ``POST /_stub/rules`` (JSON list of
  ``{match, reply}``, replaces); ``POST /_stub/config`` (``{"latency_s": x}``); ``POST /_stub/reset``
  (clears script, rules and the request log); ``GET /_stub/stats``: ``{total, by_model, requests:
  [{model, messages_hash, stream, has_tools, has_response_format, response_format, tool_choice,
  max_tokens, temperature}], connections}`` (``connections``: TCP connections accepted, to see reuse).
* Every chat request is logged when it arrives, before any delay, so a test can count requests that the
  client gave up on.

It sets TCP_NODELAY per connection: without it, keep-alive clients stall ~44 ms per call on Nagle's
algorithm plus delayed ACK. It binds 127.0.0.1 only and refuses bodies over 16 MiB.

Run standalone: ``python -m aixgo_cli.testing.stub_model_server --port 0 --port-file F``.
In tests: ``with StubModelServer() as stub: ... stub.base_url``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import signal
import socket
import threading
import time
from collections import Counter, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from aixgo_cli.testing import stub_replies as replies
from aixgo_cli.testing.stub_embeddings import embeddings_reply

MAX_BODY_BYTES = 16 * 1024 * 1024
HOST = "127.0.0.1"


class _State:
    """Everything the handlers share, behind one lock."""

    def __init__(self, latency_s: float) -> None:
        self.lock = threading.Lock()
        self.initial_latency_s = latency_s
        self.latency_s = latency_s
        self.script: deque[replies.ScriptItem] = deque()
        self.rules: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []
        self.embedding_requests: list[int] = []  # the number of texts in each embedding request
        self.embedding_failures = 0
        self.connections = 0  # TCP connections accepted: shows whether clients reuse theirs
        self.stopping = threading.Event()

    def next_item(self, request: dict[str, Any]) -> tuple[replies.ScriptItem, int, float]:
        messages = request.get("messages") or []
        with self.lock:
            self.requests.append(
                {
                    "model": str(request.get("model", "")),
                    "messages_hash": replies.messages_hash(messages),
                    "last_user": replies.last_user_text(messages),
                    "stream": bool(request.get("stream")),
                    "has_tools": bool(request.get("tools")),
                    "has_response_format": "response_format" in request,
                    "response_format": request.get("response_format"),
                    "tool_choice": request.get("tool_choice"),
                    "max_tokens": request.get("max_tokens"),
                    "temperature": request.get("temperature"),
                }
            )
            sequence = len(self.requests)
            if self.script:
                item = self.script.popleft()
            else:
                item = replies.match_rule(self.rules, messages) or replies.default_item(messages)
            return item, sequence, self.latency_s

    def stats(self) -> dict[str, Any]:
        with self.lock:
            by_model = Counter(r["model"] for r in self.requests)
            return {
                "total": len(self.requests),
                "by_model": dict(by_model),
                "requests": [dict(r) for r in self.requests],
                "embedding_requests": list(self.embedding_requests),
                "connections": self.connections,
            }

    def reset(self) -> None:
        with self.lock:
            self.script.clear()
            self.rules = []
            self.requests = []
            self.embedding_requests = []
            self.embedding_failures = 0
            self.connections = 0
            self.latency_s = self.initial_latency_s


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real providers do
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.state.lock:
            self.server.state.connections += 1

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: test output should show the test's own messages only."""

    def do_GET(self) -> None:
        state = self.server.state
        if self.path == "/_stub/stats":
            self._send_json(200, state.stats())
        elif self.path.rstrip("/") == "/v1/models":
            with state.lock:
                seen = {r["model"] for r in state.requests}
            models = [{"id": m, "object": "model", "owned_by": "stub"} for m in sorted(seen | {"stub-model"})]
            self._send_json(200, {"object": "list", "data": models})
        else:
            self._send_json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})

    def do_POST(self) -> None:
        try:
            payload = self._read_json()
        except ValueError as exc:
            self._send_json(400, {"error": {"message": str(exc), "type": "invalid_request_error"}})
            return
        state = self.server.state
        try:
            if self.path.rstrip("/") == "/v1/chat/completions":
                self._chat(payload)
            elif self.path.rstrip("/") == "/v1/embeddings":
                self._embeddings(payload)
            elif self.path == "/_stub/script":
                self.server.script(payload)
                self._send_json(200, {"queued": len(state.script)})
            elif self.path == "/_stub/rules":
                self.server.set_rules(payload)
                self._send_json(200, {"rules": len(state.rules)})
            elif self.path == "/_stub/config":
                if "embedding_failures" in payload:
                    with state.lock:
                        state.embedding_failures = int(payload["embedding_failures"])
                self.server.set_latency(float(payload.get("latency_s", state.latency_s)))
                self._send_json(200, {"latency_s": state.latency_s})
            elif self.path == "/_stub/reset":
                state.reset()
                self._send_json(200, {"reset": True})
            else:
                self._send_json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            self._send_json(400, {"error": {"message": f"bad stub request: {exc}", "type": "stub_error"}})

    def _chat(self, request: dict[str, Any]) -> None:
        state = self.server.state
        item, sequence, latency_s = state.next_item(request)
        wait = latency_s + float(item.get("delay", 0.0))
        # The wait is the server's behaviour (slow provider); it ends early when the server stops.
        if wait > 0 and state.stopping.wait(wait):
            return
        reply = replies.completion_reply(
            item, request, sequence, int(time.time()), self.headers.get("Authorization", "")
        )
        # A client that timed out has gone away; that is what a delay is for.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._send(reply)

    def _embeddings(self, request: dict[str, Any]) -> None:
        state = self.server.state
        with state.lock:
            raw = request.get("input")
            state.embedding_requests.append(1 if isinstance(raw, str) else len(raw or []))
            failing = state.embedding_failures > 0
            state.embedding_failures -= 1 if failing else 0
            latency_s = state.latency_s
        if latency_s > 0 and state.stopping.wait(latency_s):  # a slow provider; ends when the server stops
            return
        if failing:
            self._send_json(500, {"error": {"message": "stub embedding failure", "type": "server_error"}})
            return
        self._send_json(200, embeddings_reply(request))

    def _read_json(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            raise ValueError("request body too large")
        raw = self.rfile.read(length) if length else b"{}"
        try:
            return json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ValueError(f"request body is not JSON: {exc}") from None

    def _send_json(self, status: int, body: Any) -> None:
        self._send(replies.Reply(status, {"Content-Type": "application/json"}, json.dumps(body).encode()))

    def _send(self, reply: replies.Reply) -> None:
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.events is None:
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
            return
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for event in reply.events:
            self.wfile.write(f"{len(event):x}\r\n".encode() + event + b"\r\n")
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog of 5 drops connections when a fan-out opens 100 at once.
    request_queue_size = 1024

    def __init__(self, port: int, latency_s: float) -> None:
        self.state = _State(latency_s)
        super().__init__((HOST, port), _Handler)

    def script(self, items: list[Any]) -> None:
        if not isinstance(items, list):
            raise ValueError("a script is a JSON list of items")
        normalized = [replies.normalize_item(i) for i in items]
        with self.state.lock:
            self.state.script.extend(normalized)

    def set_rules(self, rules: list[Any]) -> None:
        if not isinstance(rules, list):
            raise ValueError("rules are a JSON list of {match, reply}")
        checked: list[dict[str, Any]] = [
            {"match": str(r["match"]), "reply": replies.normalize_item(r["reply"])} for r in rules
        ]
        for rule in checked:
            re.compile(rule["match"])
        with self.state.lock:
            self.state.rules = checked

    def set_latency(self, seconds: float) -> None:
        with self.state.lock:
            self.state.latency_s = max(0.0, seconds)


class StubModelServer:
    """The stub server on a background thread; a context manager for tests.

    ``port=0`` picks a free port. ``latency_s`` delays every chat answer (fan-out benchmarks).
    """

    def __init__(self, port: int = 0, *, latency_s: float = 0.0) -> None:
        self._server = _Server(port, latency_s)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}/v1"

    def start(self) -> StubModelServer:
        if self._thread is None:
            self._thread = threading.Thread(target=self._server.serve_forever, name="stub-model-server", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._server.state.stopping.set()
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> StubModelServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def script(self, items: list[Any]) -> None:
        """Queue scripted replies (FIFO); see `stub_replies` for the item shapes."""
        self._server.script(items)

    def set_rules(self, rules: list[dict[str, Any]]) -> None:
        """Replace the rules: ``[{"match": regex, "reply": item}]``, first match wins."""
        self._server.set_rules(rules)

    def set_latency(self, seconds: float) -> None:
        self._server.set_latency(seconds)

    def fail_embeddings(self, count: int) -> None:
        """Answer the next `count` embedding requests with HTTP 500."""
        with self._server.state.lock:
            self._server.state.embedding_failures = count

    def stats(self) -> dict[str, Any]:
        """``{total, by_model, requests: [...]}``; each request as described in the module docstring."""
        return self._server.state.stats()

    def reset(self) -> None:
        self._server.state.reset()


def _write_port_file(path: Path, port: int) -> None:
    # Written then renamed, so a reader polling for the file never sees it half-written.
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(f"{port}\n", encoding="utf-8")
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m aixgo_cli.testing.stub_model_server")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--port-file", type=Path, help="write the chosen port here once listening")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every chat answer")
    parser.add_argument("--script", type=Path, help="JSON file: a list of script items to queue")
    parser.add_argument("--rules", type=Path, help="JSON file: a list of {match, reply} rules")
    args = parser.parse_args(argv)

    server = StubModelServer(args.port, latency_s=args.latency)
    if args.script:
        server.script(json.loads(args.script.read_text(encoding="utf-8")))
    if args.rules:
        server.set_rules(json.loads(args.rules.read_text(encoding="utf-8")))
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    with server:
        if args.port_file:
            _write_port_file(args.port_file, server.port)
        print(f"stub model server on {server.base_url}", flush=True)
        stop.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
