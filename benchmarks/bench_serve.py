"""Load test of `aixgo serve` on loopback: N concurrent clients for D seconds, each starting synchronous
runs of a one-step workflow through the HTTP API, against the stub model server (its own process).

Prints requests/s, p50/p90/p99 latency and the errors (any answer but a completed run). The server runs
in its own process with a fresh AIXGO_HOME (journal, keys) and a rate limit high enough not to refuse.

    python benchmarks/bench_serve.py [--clients 50] [--seconds 30] [--latency 0.0]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_engine import Stub  # noqa: E402

from aixgo_cli.serve.keys import KEYS_FILE, KeyStore  # noqa: E402

SECRET = "sk-bench-not-a-real-key"
READY = re.compile(r"serving \d+ workflow\(s\) at (http://127\.0\.0\.1:\d+)")


def workflow_text(base_url: str) -> str:
    return (
        "version: 1\nname: bench\n"
        "model_services:\n  - name: stub\n    provider: openai_compatible\n    model: stub-model\n"
        f"    api_base: {base_url}\n    api_key_secret: BENCH_KEY\n"
        "agents:\n  - name: answer\n    role: react\n    model: stub\n    prompt: 'Say: {{ input }}'\n"
    )


def start_server(home: Path, workflow: Path, clients: int) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "AIXGO_HOME": str(home), "BENCH_KEY": SECRET, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    slots = ["--runs-per-key", str(clients * 2), "--runs-total", str(clients * 2)]
    process = subprocess.Popen(
        [sys.executable, "-m", "aixgo_cli", "serve", str(workflow), "--port", "0", "--rate", "100000", *slots],
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    assert process.stderr is not None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        found = READY.search(line)
        if found:
            threading.Thread(target=process.stderr.read, daemon=True).start()  # keep the pipe drained
            return process, found.group(1)
    process.kill()
    raise SystemExit("the server did not start")


def client(url: str, key: str, stop_at: float, latencies: list[float], errors: Counter[str]) -> None:
    n = 0
    while time.monotonic() < stop_at:
        n += 1
        body = json.dumps({"input": f"hello {n}", "wait": 60}).encode()
        request = urllib.request.Request(url, data=body, method="POST")
        request.add_header("Authorization", f"Bearer {key}")
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                answer = json.loads(response.read())
                ok = response.status == 200 and answer.get("status") == "completed"
                if not ok:
                    errors[f"{response.status} {answer.get('status')}"] += 1
        except urllib.error.HTTPError as error:
            errors[str(error.code)] += 1
            continue
        except OSError as error:
            errors[type(error).__name__] += 1
            continue
        if ok:
            latencies.append(time.perf_counter() - started)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--latency", type=float, default=0.0, help="the stub's delay per model call")
    args = parser.parse_args()
    with Stub(args.latency).running() as stub, tempfile.TemporaryDirectory() as tmp:
        base_url = stub.base_url
        home = Path(tmp) / "home"
        workflow = Path(tmp) / "bench.yaml"
        workflow.write_text(workflow_text(base_url))
        key = KeyStore(home / KEYS_FILE).create("bench", "runner")
        process, server = start_server(home, workflow, args.clients)
        try:
            url = server + "/api/v1/workflows/bench/runs"
            client(url, key, time.monotonic() + 30, [], Counter())  # one warm-up run (LiteLLM's import)
            latencies: list[float] = []
            errors: Counter[str] = Counter()
            stop_at = time.monotonic() + args.seconds
            started = time.perf_counter()
            threads = [
                threading.Thread(target=client, args=(url, key, stop_at, latencies, errors))
                for _ in range(args.clients)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - started
        finally:
            process.terminate()
            process.wait(timeout=30)
    total = len(latencies) + sum(errors.values())
    print(f"clients: {args.clients}, duration: {elapsed:.1f} s, stub latency: {args.latency * 1000:.0f} ms")
    print(f"requests: {total}, completed runs: {len(latencies)}, errors: {sum(errors.values())} {dict(errors)}")
    print(f"throughput: {len(latencies) / elapsed:.1f} runs/s")
    if latencies:
        print(
            f"latency: p50 {percentile(latencies, 0.5) * 1000:.0f} ms, p90 {percentile(latencies, 0.9) * 1000:.0f} ms, "
            f"p99 {percentile(latencies, 0.99) * 1000:.0f} ms, mean {statistics.mean(latencies) * 1000:.0f} ms"
        )
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(main())
