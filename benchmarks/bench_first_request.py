"""Start-up of a model run: process start -> first request on the wire, aixgo vs a bare LiteLLM script.

Budget (issue #11): `aixgo run` of a one-step workflow reaches the model server at most 150 ms after
the bare script `python -c "import litellm; litellm.completion(...)"` does. Both talk to a local
OpenAI-compatible server started here on 127.0.0.1, which notes when each POST arrives; the child is
stopped as soon as its first request has arrived, so only start-up is measured. Runs are paired (aixgo,
then bare, N times) so that machine load affects both alike; the paired differences are printed as a
median with min-max. Prints figures; judging them is for people.

aixgo's bytecode is compiled first, as `pip install` does: LiteLLM's is (from its wheel), and an editable
checkout under PYTHONDONTWRITEBYTECODE=1 would otherwise recompile every aixgo module on every start,
which doubles aixgo's import time and measures the checkout, not the product.

    python benchmarks/bench_first_request.py [--pairs 3] [--own 7]

`--own N` measures instead what aixgo itself spends before its first request, in N fresh processes: the
child imports LiteLLM and makes one call first (so everything LiteLLM loads, for both, is loaded), then
runs `aixgo run` in-process until it calls `litellm.acompletion` (or `completion`), and reports the CPU and
wall time between.
On a busy machine this resolves a few milliseconds where the paired figure above wanders by hundreds.
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


def time_to_first_request(server: _Server, argv: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """Wall time from spawn to the first request, and the child's CPU time (user + system) when it was
    stopped just after: on a loaded machine the CPU figure is the steadier of the two."""
    with server.lock:
        server.first = None
        server.arrived.clear()
    start = time.perf_counter()
    child = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        arrived = server.arrived.wait(timeout=120)
    finally:
        child.kill()
        _, _, usage = os.wait4(child.pid, 0)
        child.returncode = -9  # reaped here, so that Popen does not wait for it again
    first = _first(server)
    if not arrived or first is None:
        raise SystemExit(f"{argv[:3]} sent no request within 120 s")
    return (first - start) * 1000, (usage.ru_utime + usage.ru_stime) * 1000


def _first(server: _Server) -> float | None:
    with server.lock:
        return server.first


# The child of `--own`: argv is [base_url, workflow]; prints "cpu_ms wall_ms" at aixgo's first call.
OWN_CHILD = """
import os, sys, time
import litellm
litellm.completion(model="openai/bench-model", api_base=sys.argv[1], api_key="sk-bench-0000",
                   messages=[{"role": "user", "content": "hi"}])

def first_call(*args, **kwargs):
    cpu, wall = (time.process_time() - cpu0) * 1000, (time.perf_counter() - wall0) * 1000
    os.write(1, f"{cpu:.1f} {wall:.1f}\\n".encode())
    os._exit(0)

async def first_async_call(*args, **kwargs):
    first_call()

litellm.completion = first_call
litellm.acompletion = first_async_call  # model calls run as acompletion on aixgo's event loop
cpu0, wall0 = time.process_time(), time.perf_counter()
from aixgo_cli.cli import main
main(["run", sys.argv[2], "--input", "hi", "--quiet"])
os._exit(1)
"""


def own_start_up(base: str, env: dict[str, str], work: Path, runs: int) -> None:
    figures = []
    for _ in range(runs + 1):  # the first warms the file cache
        done = subprocess.run(
            [sys.executable, "-c", OWN_CHILD, base, "one.yaml"],
            env=env, cwd=work, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise SystemExit(f"the child made no model call: {done.stderr[-500:]}")
        cpu, wall = (float(x) for x in done.stdout.split())
        figures.append((cpu, wall))
    figures = figures[1:]
    print("aixgo's own work, `run` start -> first model call (LiteLLM already loaded):")
    for title, index in (("CPU time", 0), ("wall time", 1)):
        values = [f[index] for f in figures]
        print(
            f"  {title:<10} median {statistics.median(values):6.1f} ms  (min {min(values):.1f}, "
            f"max {max(values):.1f})  runs={runs}"
        )


def compile_aixgo() -> Path:
    """Compile the bytecode of the aixgo package the children import (written even under
    PYTHONDONTWRITEBYTECODE, which only stops writing on import)."""
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("aixgo_cli")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("aixgo_cli is not importable from this interpreter")
    package = Path(next(iter(spec.submodule_search_locations)))
    compileall.compile_dir(package, quiet=1)
    return package


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--own", type=int, default=0, metavar="N", help="measure aixgo's own work only, N runs")
    parser.add_argument(
        "--no-compile", action="store_true", help="measure an uncompiled checkout (every module compiled on start)"
    )
    args = parser.parse_args()
    if not args.no_compile:
        print(f"aixgo package (bytecode compiled): {compile_aixgo()}")
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
        if args.own:
            own_start_up(base, env, work, args.own)
            server.shutdown()
            return
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
    for title, index in (("wall time", 0), ("CPU time", 1)):
        report(title, [(x[index], y[index]) for x, y in pairs], args.pairs)


def report(title: str, pairs: list[tuple[float, float]], count: int) -> None:
    a = [p[0] for p in pairs]
    b = [p[1] for p in pairs]
    diff = [x - y for x, y in pairs]
    print(f"{title}, process start -> first request on the wire:")
    for label, values in (("aixgo run (one step)", a), ("bare litellm script", b)):
        spread = f"(min {min(values):.1f}, max {max(values):.1f})"
        print(f"  {label:<21} median {statistics.median(values):7.1f} ms  {spread}")
    verdict = "within" if statistics.median(diff) <= BUDGET_MS else "OVER"
    print(
        f"  aixgo adds (paired)   median {statistics.median(diff):7.1f} ms  "
        f"(min {min(diff):.1f}, max {max(diff):.1f})  budget {BUDGET_MS:.0f} ms: {verdict}  (pairs={count})"
    )


if __name__ == "__main__":
    main()
