"""Start-up of a model run: process start -> first request on the wire, aixgo vs a bare LiteLLM script.

Budget (issue #11): `aixgo run` of a one-step workflow reaches the model server at most 150 ms after
the bare script `python -c "import litellm; litellm.completion(...)"` does. Both talk to a local
OpenAI-compatible server started here on 127.0.0.1, which notes when each POST arrives; the child is
stopped as soon as its first request has arrived, so only start-up is measured. Runs are paired (aixgo,
then bare, N times) so that machine load affects both alike; the paired differences are printed as a
median with min-max. Prints figures; judging them is for people.

    python benchmarks/bench_first_request.py [--pairs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

BUDGET_MS = 150.0
REPLY = {
    "id": "chatcmpl-bench",
    "object": "chat.completion",
    "created": 0,
    "model": "bench-model",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
}


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def do_POST(self) -> None:
        arrived = time.perf_counter()
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with self.server.lock:
            if self.server.first is None:
                self.server.first = arrived
                self.server.arrived.set()
        body = json.dumps(REPLY).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.first: float | None = None
        self.arrived = threading.Event()


def time_to_first_request(server: _Server, argv: list[str], env: dict[str, str], cwd: Path) -> float:
    with server.lock:
        server.first = None
        server.arrived.clear()
    start = time.perf_counter()
    child = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        arrived = server.arrived.wait(timeout=120)
    finally:
        child.kill()
        child.wait()
    first = _first(server)
    if not arrived or first is None:
        raise SystemExit(f"{argv[:3]} sent no request within 120 s")
    return (first - start) * 1000


def _first(server: _Server) -> float | None:
    with server.lock:
        return server.first


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=3)
    args = parser.parse_args()
    server = _Server()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/v1"
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "one.yaml").write_text(
            "version: 1\nname: one-step\nmodel_services:\n"
            f"  - {{name: local, provider: openai_compatible, model: bench-model, api_base: {base},"
            " api_key_secret: BENCH_KEY}\n"
            "agents:\n  - {name: a, role: react, model: local}\n"
        )
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "AIXGO_"))},
            "AIXGO_HOME": str(work / "home"),
            "BENCH_KEY": "sk-bench-0000",
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",  # what aixgo sets too: no price-map download
        }
        script = Path(sys.executable).parent / "aixgo"
        aixgo = [str(script) if script.exists() else sys.executable, "run", "one.yaml", "--input", "hi"]
        if not script.exists():
            aixgo = [sys.executable, "-m", "aixgo_cli", "run", "one.yaml", "--input", "hi"]
        bare = [
            sys.executable,
            "-c",
            "import litellm; litellm.completion(model='openai/bench-model', api_base="
            f"{base!r}, api_key='sk-bench-0000', messages=[{{'role': 'user', 'content': 'hi'}}])",
        ]
        time_to_first_request(server, bare, env, work)  # warm the OS file cache for both
        time_to_first_request(server, aixgo, env, work)
        pairs = []
        for _ in range(args.pairs):
            pairs.append(
                (time_to_first_request(server, aixgo, env, work), time_to_first_request(server, bare, env, work))
            )
    server.shutdown()
    a = [p[0] for p in pairs]
    b = [p[1] for p in pairs]
    diff = [x - y for x, y in pairs]
    for label, values in (("aixgo run (one step)", a), ("bare litellm script", b)):
        spread = f"(min {min(values):.1f}, max {max(values):.1f})"
        print(f"{label:<21}-> first request: median {statistics.median(values):7.1f} ms  {spread}")
    verdict = "within" if statistics.median(diff) <= BUDGET_MS else "OVER"
    print(
        f"aixgo adds (paired):                   median {statistics.median(diff):7.1f} ms  "
        f"(min {min(diff):.1f}, max {max(diff):.1f})  budget {BUDGET_MS:.0f} ms: {verdict}  (pairs={args.pairs})"
    )


if __name__ == "__main__":
    main()
