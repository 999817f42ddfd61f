"""Does a run stay linear as it grows? A map over N items through the real engine and SQLite journal.

For each N (default 100, 1,000, 10,000; add 100000 with --sizes) a fresh process runs a producer -> react
fan-out over N input lines and prints: seconds per item, journal bytes per item (database + WAL after
close) and bytes per item beyond the answer and prompt text, and the process's peak RSS, with its RSS
before the run for comparison. Budget (issue #12): peak RSS of a 10,000-item run <= 300 MB and flat
from 10,000 to 100,000 items; <= 2 KB of journal per step beyond the payload for 2 KB answers.

THE MODEL IS FAKE: `FakeGateway` below answers in-process, with no HTTP and no LiteLLM, so that 100,000
items fit in minutes and the figures show the engine and the journal alone. Real HTTP through LiteLLM
is measured by bench_engine.py (chain, fan-out over the stub server).
The run and the reading of its result as `aixgo run` prints it are both measured.
Then the resume case: a run paused after `--resume` finished steps, resumed; milliseconds until its
first new step starts (bench_engine.py prints the same figure; this one needs no LangGraph install).

    python benchmarks/bench_journal_scale.py [--sizes 100,1000,10000] [--answer 2048] [--resume 10000]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aixgo_cli.providers.protocol import TokenCallback
    from aixgo_cli.providers.types import ChatRequest, ChatResponse

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

WORKFLOW = """\
version: 1
name: bench-scale
agents:
  - {name: items, role: producer, producer_config: {source: input, format: lines}}
  - {name: answer, role: react, model: openai/gpt-4o-mini, inputs: [items], concurrency: 4}
"""


class FakeGateway:
    """BENCHMARK ONLY, NOT A MODEL: answers every request in-process with a distinct text of `size`
    characters (the item's line repeated), so no two steps share a stored answer. Keeps nothing."""

    def __init__(self, size: int) -> None:
        self.size = size

    def complete(self, request: ChatRequest, *, on_token: TokenCallback | None = None) -> ChatResponse:
        from aixgo_cli.providers.types import ChatResponse, Usage

        line = request.last_user_text()
        text = ((line + " ") * (self.size // (len(line) + 1) + 1))[: self.size]
        return ChatResponse(content=text, usage=Usage(10, self.size // 4, 0.0), model="fake")


def cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def rss_mb() -> float:
    """The peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(items: int, answer: int) -> None:
    from aixgo_cli.config.model import load_workflow
    from aixgo_cli.engine.runner import Runner, RunParams
    from aixgo_cli.store.sqlite_journal import SqliteJournal

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "w.yaml"
        path.write_text(WORKFLOW)
        workflow = load_workflow(path)
        lines = [f"item {n:07d}" for n in range(items)]
        text = "\n".join(lines)
        db = Path(tmp) / "j.db"
        before = rss_mb()
        with SqliteJournal(db) as journal:
            started, cpu = time.perf_counter(), cpu_s()
            outcome = Runner(journal, FakeGateway(answer), lambda event: None).start(workflow, RunParams(text))
            assert outcome.status == "completed", outcome.error
            # Read the result back as `aixgo run` prints it (a fan-out's list, a page at a time): the
            # memory figure covers the whole run, its output included.
            printed = sum(len(value) for value in outcome.result_lines())
            elapsed, cpu = time.perf_counter() - started, cpu_s() - cpu
            assert printed == items * answer
            del outcome
        size = sum(p.stat().st_size for p in Path(tmp).glob("j.db*"))
        # Payload: each answer and each prompt once, and the producer's list of the items.
        payload = items * answer + 2 * sum(len(line) for line in lines)
        print(
            json.dumps(
                {
                    "items": items,
                    "s": elapsed,
                    "cpu": cpu,
                    "bytes": size,
                    "payload": payload,
                    "rss0": before,
                    "rss": rss_mb(),
                }
            )
        )


def resume(steps: int) -> float:
    """Seconds from `resume` of a run paused after `steps` finished steps until its first new step starts."""
    from aixgo_cli.config.model import load_workflow
    from aixgo_cli.engine.runner import Runner, RunParams
    from aixgo_cli.events import StepStarted
    from aixgo_cli.store.sqlite_journal import SqliteJournal

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "w.yaml"
        path.write_text(WORKFLOW.replace("concurrency: 4", "concurrency: 1"))
        workflow = load_workflow(path)
        params = RunParams(input="\n".join(f"q{n}" for n in range(steps + 10)), max_steps=steps + 1)
        with SqliteJournal(Path(tmp) / "j.db") as journal:
            first = Runner(journal, FakeGateway(200), lambda event: None).start(workflow, params)
            assert first.status == "paused", first.status
            run = journal.find_run(first.run_id)
            marks: list[float] = []

            def on_event(event: object) -> None:
                if isinstance(event, StepStarted) and not marks:
                    marks.append(time.perf_counter())

            started = time.perf_counter()
            Runner(journal, FakeGateway(200), on_event).resume(
                run, workflow, RunParams(input=params.input, max_steps=steps + 100)
            )
            return marks[0] - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100,1000,10000", help="comma-separated item counts")
    parser.add_argument("--answer", type=int, default=2048, help="characters of each answer")
    parser.add_argument("--resume", type=int, default=10_000, help="finished steps for the resume figure (0: skip)")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.answer)
        return
    print(f"map over N items, fake in-process model (no HTTP), {args.answer}-character answers, SQLite journal")
    print("   items   s/run  ms/item  CPU ms/item  journal B/item  beyond payload B/item  RSS before MB  peak RSS MB")
    for items in (int(n) for n in args.sizes.split(",")):
        done = subprocess.run(
            [sys.executable, __file__, "--child", str(items), "--answer", str(args.answer)],
            check=True,
            capture_output=True,
            text=True,
        )
        row = json.loads(done.stdout.splitlines()[-1])
        print(
            f"{items:8d} {row['s']:7.1f} {row['s'] / items * 1000:8.3f} {row['cpu'] / items * 1000:12.3f} "
            f"{row['bytes'] / items:15.0f} "
            f"{(row['bytes'] - row['payload']) / items:22.0f} {row['rss0']:14.1f} {row['rss']:12.1f}"
        )
    if args.resume:
        first = resume(args.resume)
        print(f"resume of a run with {args.resume:,} finished steps: first new step after {first * 1000:.0f} ms")


if __name__ == "__main__":
    main()
