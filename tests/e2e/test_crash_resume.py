"""Crash safety, proven: SIGKILL a run at many points, resume it, and check that

* every resume reaches the same final output as an uninterrupted run, and
* no model call the journal had recorded as completed is ever sent to the model again.

Kill points: right after a given number of steps finished (where the journal writes happen), while a
model call is in flight (the stub holds the reply), and at small offsets after a step finished, which
lands inside the next unit's journal writes. Runs are killed several times in a row before finishing.
"""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.support.e2e import Cli, stub_service

from aixgo_cli.testing.stub_model_server import StubModelServer

pytestmark = pytest.mark.slow

ITEMS = [f"item-{n}" for n in range(8)]
WORKFLOW = """\
version: 1
name: crash
{service}
agents:
  - name: items
    role: producer
    producer_config: {{source: input, format: lines}}
  - name: first
    role: react
    model: stub
    concurrency: 2
    inputs: [items]
    prompt: "First pass: {{{{ input }}}}"
  - name: second
    role: react
    model: stub
    inputs: [first]
    prompt: "Second pass: {{{{ input }}}}"
  - name: out
    role: logger
    inputs: [second]
    logger_config: {{sink: file, path: out.jsonl, format: jsonl}}
"""
EXPECTED = [f"stub: Second pass: stub: First pass: {item}" for item in ITEMS]


def completed_prompts(db: Path) -> set[str]:
    """The last user message of every model call the journal holds as completed."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        assert conn.execute("pragma integrity_check").fetchone() == ("ok",)
        rows = conn.execute("select request_json from calls where kind = 'llm' and status = 'completed'")
        prompts = set()
        for (request_json,) in rows:
            messages = json.loads(request_json)["messages"]
            prompts.add(next(m["content"] for m in reversed(messages) if m["role"] == "user"))
        return prompts


def wait_until(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.005)
    raise AssertionError("the run never reached the kill point")


def finished_steps(events: Path) -> int:
    return events.read_text().count('"kind":"step_finished"') if events.exists() else 0


def requests_reached(stub: StubModelServer, count: int) -> Callable[[], bool]:
    return lambda: stub.stats()["total"] >= count


def steps_reached(events: Path, count: int) -> Callable[[], bool]:
    return lambda: finished_steps(events) >= count


def kill(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)  # reaped, so the lease can be seen to belong to a dead process


KILL_PLANS = {
    # name: list of (kind, value) kill points applied to successive attempts
    "between-units": [("steps", 2), ("steps", 5), ("steps", 9)],
    "during-model-calls": [("requests", 1), ("requests", 3), ("requests", 4)],
    "inside-journal-writes": [("steps-offset", 3), ("steps-offset", 6), ("steps-offset", 8)],
}


def stopped(pid: int) -> bool:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "T"


def journal_writable(db: Path) -> bool:
    """Whether a write transaction can start now (not while a stopped process holds one open)."""
    conn = sqlite3.connect(db, timeout=0.05)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.rollback()
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        conn.close()


def stop_outside_a_write(process: subprocess.Popen[str], db: Path) -> None:
    """SIGSTOP `process` at a moment it holds no journal write transaction open: a process stopped inside
    one blocks every other writer (SQLite's lock) until it continues, so no other driver could take over.
    Any other moment is fair, including between a call's intent and its request."""
    for _ in range(200):
        process.send_signal(signal.SIGSTOP)
        wait_until(lambda: stopped(process.pid), timeout=5)
        if journal_writable(db):
            return
        process.send_signal(signal.SIGCONT)
        time.sleep(0.001)
    raise AssertionError("the driver held the journal's write lock at every stop")


@pytest.mark.parametrize("plan", sorted(KILL_PLANS))
def test_sigkill_at_many_points_then_resume_gives_the_same_output(cli: Cli, stub: StubModelServer, plan: str) -> None:
    cli.write("wf.yaml", WORKFLOW.format(service=stub_service(stub)))
    rng = random.Random(plan)
    stub.set_latency(0.15)
    run_id = None
    checkpoints: list[tuple[set[str], int]] = []
    for attempt, (kind, value) in enumerate(KILL_PLANS[plan]):
        events = cli.workdir / f"events-{attempt}.jsonl"
        before = stub.stats()["total"]
        if run_id is None:
            process = cli.popen("run", "wf.yaml", "--input", "\n".join(ITEMS), "--events", str(events))
        else:
            process = cli.popen("resume", run_id, "--events", str(events))
        if kind == "requests":
            wait_until(requests_reached(stub, before + value))
        else:
            wait_until(steps_reached(events, value))
            if kind == "steps-offset":
                time.sleep(rng.uniform(0.0, 0.004))
        kill(process)
        if run_id is None:
            run_id = cli.runs()[0]["run_id"]
        # Whatever runs next (killed again, or the final resume) must not re-send these.
        checkpoints.append((completed_prompts(cli.db), len(stub.stats()["requests"])))
    stub.set_latency(0.0)
    assert run_id is not None
    final = cli.run("resume", run_id, "--json")
    assert final.returncode == 0, final.stderr
    assert json.loads(final.stdout)["result"] == EXPECTED
    requests = stub.stats()["requests"]
    for done_before, sent_before in checkpoints:
        resent = [r["last_user"] for r in requests[sent_before:] if r["last_user"] in done_before]
        assert resent == [], f"completed calls sent again: {resent}"
    logged = [json.loads(line) for line in (cli.workdir / "out.jsonl").read_text().splitlines()]
    # Every item reaches the sink. A kill between the logger's write and its journal commit can repeat
    # that one line (at-least-once for side effects), never lose it.
    assert set(logged) == set(EXPECTED) and len(logged) >= len(EXPECTED)
    # Every model call was answered at most once per completed journal entry: 16 distinct prompts.
    assert len(completed_prompts(cli.db)) == 2 * len(ITEMS)


def test_a_killed_run_shows_as_stale_with_what_it_recorded(cli: Cli, stub: StubModelServer) -> None:
    cli.write("wf.yaml", WORKFLOW.format(service=stub_service(stub)))
    events = cli.workdir / "events.jsonl"
    stub.set_latency(0.15)
    process = cli.popen("run", "wf.yaml", "--input", "\n".join(ITEMS), "--events", str(events))
    wait_until(steps_reached(events, 3))
    kill(process)
    stub.set_latency(0.0)

    [row] = cli.runs()
    assert row["status"] == "running" and row["stale"] is True
    assert row["steps"] >= 3 and row["tokens_in"] > 0 and row["tokens_out"] > 0
    table = cli.run("runs", "list")
    assert table.returncode == 0, table.stderr
    line = next(text for text in table.stdout.splitlines() if text.startswith(row["run_id"]))
    assert line.split()[2] == "stale" and "aixgo resume" in table.stdout
    shown = cli.run("runs", "show", row["run_id"])
    assert "status    stale" in shown.stdout and f"{row['steps']} steps" in shown.stdout
    assert f"aixgo resume {row['run_id']}" in shown.stdout

    final = cli.run("resume", row["run_id"], "--json")
    assert final.returncode == 0, final.stderr
    assert cli.runs()[0]["stale"] is False and cli.runs()[0]["status"] == "completed"


def test_a_paused_driver_whose_lease_was_taken_stops_without_sending_or_writing(
    cli: Cli, stub: StubModelServer
) -> None:
    """SIGSTOP a driver inside its model calls, let its lease run out (moved in the journal instead of
    waiting 30 s), let another process finish the run, then SIGCONT the first: it must stop at its next
    journal write, send no further request, and leave the new driver's results alone."""
    cli.write("wf.yaml", WORKFLOW.format(service=stub_service(stub)))
    stub.set_latency(0.3)
    first = cli.popen("run", "wf.yaml", "--input", "\n".join(ITEMS))
    wait_until(requests_reached(stub, 5))
    stop_outside_a_write(first, cli.db)
    try:
        done_before = completed_prompts(cli.db)
        sent_before = stub.stats()["total"]
        with sqlite3.connect(cli.db) as conn:  # the lease expires: as if 30 s had passed
            conn.execute("update runs set lease_expires = 0")
        stub.set_latency(0.0)
        run_id = cli.runs()[0]["run_id"]
        second = cli.run("resume", run_id, "--json")
        assert second.returncode == 0, second.stderr
        assert json.loads(second.stdout)["result"] == EXPECTED
        sent_by_second = stub.stats()["total"]
    finally:
        first.send_signal(signal.SIGCONT)
    _, stderr = first.communicate(timeout=60)

    assert first.returncode == 130, stderr
    assert "taken over" in stderr
    requests = stub.stats()["requests"]
    late = [r["last_user"] for r in requests[sent_by_second:]]
    seen = (sent_before, sent_by_second, sorted(done_before), [r["last_user"] for r in requests])
    assert late == [], f"the paused driver sent requests after it lost the lease: {late}; {seen}"
    resent = [r["last_user"] for r in requests[sent_before:] if r["last_user"] in done_before]
    assert resent == [], f"completed calls sent again: {resent}"
    [row] = cli.runs()
    assert row["status"] == "completed" and row["stale"] is False
    logged = [json.loads(line) for line in (cli.workdir / "out.jsonl").read_text().splitlines()]
    assert set(logged) == set(EXPECTED)
