"""What a tool call costs beyond the tool itself (SPEC §7): prints, per call,

* an MCP call over stdio to a local test server (tests/support/mcp_server.py `echo`), through the
  background event loop the engine's threads share, and the server's start-up (spawn + initialize +
  tools/list);
* an `http` tool call to a server on 127.0.0.1 through the SSRF guard (resolve, vet, pinned connect);
* screening one tool result of 10 KB for prompt injection, and appending one audit record.

  python benchmarks/bench_tools.py [--calls 200]
"""

from __future__ import annotations

import argparse
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from aixgo_cli.security.audit import AuditLog  # noqa: E402
from aixgo_cli.security.prompt_injection import detect  # noqa: E402
from aixgo_cli.tools.base import ToolContext  # noqa: E402
from aixgo_cli.tools.http_tool import build  # noqa: E402
from aixgo_cli.tools.mcp_client import McpHub, McpServerConfig  # noqa: E402


def per_call_ms(calls: int, action: Callable[[], Any]) -> float:
    action()  # warm up
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


class Quiet(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # else ~40 ms of Nagle per call

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def do_GET(self) -> None:
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=200)
    calls = parser.parse_args().calls

    hub = McpHub()
    server = McpServerConfig(
        "t", "stdio", command=sys.executable, args=(str(REPO / "tests/support/mcp_server.py"), "stdio")
    )
    started = time.perf_counter()
    hub.start([server])
    start_ms = (time.perf_counter() - started) * 1000
    try:
        mcp_ms = per_call_ms(calls, lambda: hub.call("t", "echo", {"text": "hello"}, 10.0))
    finally:
        hub.close()
    print(f"MCP stdio: server start {start_ms:.0f} ms; one call {mcp_ms:.2f} ms (median of {calls})")

    site = ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    try:
        definition = {
            "name": "fetch",
            "type": "http",
            "url": f"http://127.0.0.1:{site.server_address[1]}/x",
            "allow_hosts": ["127.0.0.1"],
        }
        tool = build(definition, ToolContext(REPO, lambda name: ""))
        http_ms = per_call_ms(calls, lambda: tool.run({}, "k"))
    finally:
        site.shutdown()
    print(f"http tool (SSRF guard, pinned connection, kept-alive client): {http_ms:.2f} ms per call")

    text = ("The order shipped on Tuesday and should arrive within three business days. " * 140)[:10240]
    screen_ms = per_call_ms(calls * 5, lambda: detect(text))
    print(f"screening a 10 KB tool result: {screen_ms:.3f} ms")
    with tempfile.TemporaryDirectory() as tmp:
        log = AuditLog(Path(tmp) / "audit.jsonl", "run", lambda s: s)
        audit_ms = per_call_ms(calls * 5, lambda: log.record("tool_call", tool="fetch", arguments="{}", ok=True))
        log.close()
    print(f"one audit record (hash chain, flushed): {audit_ms:.3f} ms")


if __name__ == "__main__":
    main()
