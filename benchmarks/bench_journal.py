"""Journal budgets (SPEC §9): <= 2 KB of journal per step beyond payload text, <= 0.5 ms engine + journal
overhead per step, and a resume over 10,000 completed steps that starts within 1 s.

For each of N units it does what the engine does for a one-LLM-call step: start_unit,
record_call_intent, complete_call, complete_unit, append_event x2 (the "separate" sequence, six
transactions) and the same step with the events folded into complete_unit (the "combined" sequence,
four transactions), the answer in both the call's response and the unit's output as the engine writes
it. It prints the median microseconds (wall and CPU) per unit and the bytes the journal grew per unit,
minus the payload: the prompt and the answer text, each counted once. Prints figures; judging them is
for people.

    python benchmarks/bench_journal.py [--units 2000] [--payload 200] [--resume 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aixgo_cli.store.memory_journal import MemoryJournal
from aixgo_cli.store.protocol import Journal
from aixgo_cli.store.records import RunRecord
from aixgo_cli.store.sqlite_journal import SqliteJournal


def unit_key(index: int) -> str:
    """Shaped like an engine key: place in the flow + definition hash + input hash (~55 chars)."""
    digest = hashlib.sha256(str(index).encode()).hexdigest()
    return f"main/{index:05d}/writer@{digest[:16]}:{digest[16:32]}"


def step(journal: Journal, run_id: str, index: int, size: int, *, combined: bool) -> int:
    """One step shaped as the engine writes it for one model call; returns the bytes of payload text
    (the prompt and the answer, each counted once). Every step's answer is distinct: a journal that
    stores equal texts once must not look smaller here than it is for real answers."""
    key = unit_key(index)
    call = f"{key}/m1"
    prompt = f"Answer briefly: item {index}"
    answer = ((f"answer {index} " * (size // 8 + 1))[:size]) if size else ""
    request = json.dumps(
        {"messages": [{"content": prompt, "role": "user"}], "model": "openai/stub-model", "tools": []},
        separators=(",", ":"),
    )
    response = json.dumps(
        {
            "attempts": 1,
            "content": answer,
            "finish_reason": "stop",
            "model": "stub-model",
            "tool_calls": [],
            "usage": {"completion_tokens": size // 4, "cost_known": True, "cost_usd": 0.0001, "prompt_tokens": 12},
        },
        separators=(",", ":"),
    )
    output = json.dumps(answer, ensure_ascii=False)
    started = json.dumps({"unit": key})
    finished = json.dumps({"unit": key, "tokens": 120, "preview": answer[:60]})
    journal.start_unit(run_id, key, place=f"main/{index:05d}/writer", input_hash=key[-16:], definition_hash="d")
    journal.record_call_intent(run_id, key, call, "llm", request)
    journal.complete_call(run_id, call, response, tokens_in=12, tokens_out=size // 4, cost_usd=0.0001)
    events = [("step_started", started), ("step_finished", finished)]
    if combined:
        journal.complete_unit(run_id, key, output, tokens_in=12, tokens_out=size // 4, cost_usd=0.0001, events=events)
    else:
        journal.complete_unit(run_id, key, output, tokens_in=12, tokens_out=size // 4, cost_usd=0.0001)
        for kind, body in events:
            journal.append_event(run_id, kind, body)
    return len(prompt) + len(answer)


def new_run(journal: Journal) -> str:
    run = RunRecord.start(workflow_name="bench", workflow_path="bench.yaml", workflow_hash="h", params_json="{}")
    journal.create_run(run)
    return run.run_id


def size(path: Path) -> int:
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())


def run_sqlite(units: int, payload: int, *, combined: bool, where: Path, repeat: int) -> None:
    """Times are the median over `repeat` fresh journals; sizes are the same in every repeat."""
    times, cpu = [], []
    for attempt in range(repeat):
        path = where / f"{'combined' if combined else 'separate'}-{payload}-{attempt}.db"
        journal = SqliteJournal(path)
        run_id = new_run(journal)
        step(journal, run_id, -1, payload, combined=combined)  # warm: schema, statement cache, first pages
        before, before_db = size(path), path.stat().st_size
        written, start, start_cpu = 0, time.perf_counter(), time.process_time()
        for index in range(units):
            written += step(journal, run_id, index, payload, combined=combined)
        times.append((time.perf_counter() - start) / units * 1e6)
        cpu.append((time.process_time() - start_cpu) / units * 1e6)
        live = size(path) - before
        journal.close()  # the last connection checkpoints and removes the WAL
        settled = path.stat().st_size - before_db
    label = "combined (4 tx)" if combined else "separate (6 tx)"
    print(f"sqlite {label:16} answer {payload:5} B: {statistics.median(times):7.1f} us/unit ", end="")
    print(f"(min {min(times):.1f}; CPU {statistics.median(cpu):.1f}), ", end="")
    print(f"overhead {(live - written) / units:5.0f} B/unit (db+wal live), ", end="")
    print(f"{(settled - written) / units:5.0f} B/unit (db after close); payload {written / units:.0f} B/unit")


def run_memory(units: int, payload: int) -> None:
    journal = MemoryJournal()
    run_id = new_run(journal)
    start = time.perf_counter()
    for index in range(units):
        step(journal, run_id, index, payload, combined=False)
    per_unit = (time.perf_counter() - start) / units * 1e6
    print(f"memory separate (6 tx)  answer {payload:5} B: {per_unit:7.1f} us/unit")


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def run_resume(units: int, where: Path) -> None:
    path = where / "resume.db"
    with SqliteJournal(path) as journal:
        run_id = new_run(journal)
        for index in range(units):
            step(journal, run_id, index, 200, combined=True)
    keys = [unit_key(index) for index in range(units)]
    journal = SqliteJournal(path)
    open_ms = timed(lambda: journal.find_run(run_id[:12]))
    first_ms = timed(lambda: journal.get_completed_unit(run_id, keys[-1]))
    lookups = []
    for key in keys:
        start = time.perf_counter()
        journal.get_completed_unit(run_id, key)
        lookups.append((time.perf_counter() - start) * 1e6)
    list_ms = timed(lambda: journal.list_units(run_id))
    new_ms = timed(lambda: step(journal, run_id, units, 200, combined=True))
    journal.close()
    memo_ms = sum(lookups) / 1000
    print(
        f"resume over {units} completed units: open+find {open_ms:.1f} ms, first lookup {first_ms:.2f} ms, "
        f"memo walk {memo_ms:.0f} ms ({statistics.mean(lookups):.1f} us/lookup, "
        f"median {statistics.median(lookups):.1f}), first new step {new_ms:.2f} ms; "
        f"list_units {list_ms:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--payload", type=int, default=200, help="characters of each answer")
    parser.add_argument("--resume", type=int, default=10_000, help="completed units for the resume figure")
    parser.add_argument("--repeat", type=int, default=3, help="timed repeats; the median is printed")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        where = Path(tmp)
        for combined in (False, True):
            run_sqlite(args.units, args.payload, combined=combined, where=where, repeat=args.repeat)
        run_sqlite(args.units, 2048, combined=True, where=where, repeat=args.repeat)
        run_memory(args.units, args.payload)
        run_resume(args.resume, where)


if __name__ == "__main__":
    main()
