"""What the runs page costs to serve, from a real SQLite journal through the real routes (in-process HTTP).

Prints p50/p95 milliseconds and page sizes for:
  * the runs list with 200 runs (the most it shows), each of 5 steps;
  * a run page for a run of 2,000 steps (500 shown);
  * one live-stream poll (what every open run page costs the server every 0.5 s).

    python benchmarks/bench_runs_page.py [--repeat 30]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from starlette.testclient import TestClient
from tests.serve_page.page_app import VIEWER_KEY, add_run, make_app

from aixgo_cli.serve.page import COOKIE
from aixgo_cli.serve.page.views import run_version
from aixgo_cli.store.sqlite_journal import SqliteJournal


def timed(repeat: int, call: Callable[[], object]) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.95))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "runs.db"
        with SqliteJournal(db) as journal:
            for index in range(199):
                add_run(journal, "pipeline", [(f"step{s}", f"output {index}.{s} " * 20) for s in range(5)])
            big = add_run(journal, "pipeline", [(f"items[{i}]/answer", "an answer " * 30) for i in range(2000)])
        with TestClient(make_app(db)) as client:
            client.cookies.set(COOKIE, VIEWER_KEY)
            listing = client.get("/")
            page = client.get(f"/runs/{big.run_id}")
            assert listing.status_code == page.status_code == 200
            list_ms = timed(args.repeat, lambda: client.get("/"))
            run_ms = timed(args.repeat, lambda: client.get(f"/runs/{big.run_id}"))
        poll_ms = timed(args.repeat, lambda: run_version(db, big.run_id))
    rows = (
        ("runs list, 200 runs", list_ms, len(listing.content)),
        ("run page, 2,000 steps", run_ms, len(page.content)),
        ("live poll of that run", poll_ms, None),
    )
    for name, (p50, p95), size in rows:
        shown = f"  {size:>8} bytes" if size is not None else ""
        print(f"{name + ':':<26} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms{shown}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
