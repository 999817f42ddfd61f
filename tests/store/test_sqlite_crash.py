"""SIGKILL at an arbitrary instant leaves a journal of whole units that the next process resumes from.

A child process (journal_crash_child.py) writes step after step; the parent kills it while it is still
writing, reopens the file and checks that every unit is either entirely there (result, call, both
events) or entirely absent, that nothing the child reported as committed was lost, and that the file
passes SQLite's own integrity and foreign-key checks. Then the next child resumes from the memo.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from aixgo_cli.store.records import RunRecord
from aixgo_cli.store.sqlite_journal import SqliteJournal

REPO = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).with_name("journal_crash_child.py")


def _drive_until_killed(db: Path, run_id: str, units_to_see: int) -> list[int]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.Popen(
        [sys.executable, str(CHILD), str(db), run_id],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert child.stdout is not None and child.stderr is not None
    seen: list[int] = []
    try:
        while len(seen) < units_to_see:
            line = child.stdout.readline()
            assert line, f"child exited early: {child.stderr.read()}"
            seen.append(int(line))
    finally:
        os.kill(child.pid, signal.SIGKILL)  # while the child is still in its write loop
        child.wait(timeout=60)
        child.stdout.close()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL
    return seen


def _check_database_file(db: Path) -> None:
    raw = sqlite3.connect(db)
    try:
        assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert raw.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        raw.close()


def _completed_count(db: Path, run_id: str, committed: int) -> int:
    """Check the journal holds whole units only; return how many completed."""
    with SqliteJournal(db) as journal:
        units = journal.list_units(run_id)
        calls = {c.call_key: c for c in journal.list_calls(run_id)}
        events = journal.list_events(run_id)
    done = [u for u in units if u.status == "completed"]
    pending = [u for u in units if u.status != "completed"]
    assert [u.unit_key for u in done] == [f"u{i:06d}" for i in range(len(done))]
    assert len(done) >= committed, "a unit the child saw committed is missing"
    for index, unit in enumerate(done):
        assert unit.output_json is not None and json.loads(unit.output_json)["n"] == index
        call = calls[f"{unit.unit_key}/llm/0"]
        assert call.status == "completed" and call.response_json is not None
        assert unit.attempt <= 2
    # At most the one unit that was in flight, and never a finished-looking half of one.
    assert len(pending) <= 1
    for unit in pending:
        assert unit.unit_key == f"u{len(done):06d}"
        assert (unit.status, unit.output_json, unit.finished_at) == ("started", None, None)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    by_unit = [(json.loads(e.payload_json)["n"], e.kind) for e in events]
    expected = [(i, kind) for i in range(len(done)) for kind in ("step_started", "step_finished")]
    assert sorted(by_unit) == sorted(expected)
    return len(done)


@pytest.mark.slow
def test_sigkill_mid_loop_leaves_only_whole_units(tmp_path: Path) -> None:
    db = tmp_path / "runs.db"
    with SqliteJournal(db) as journal:
        run = RunRecord.start(workflow_name="crash", workflow_path="c.yaml", workflow_hash="h", params_json="{}")
        journal.create_run(run)
    completed = 0
    for round_number in range(4):
        seen = _drive_until_killed(db, run.run_id, units_to_see=120 + 53 * round_number)
        assert seen[0] == completed, "the resumed child redid or skipped work"
        _check_database_file(db)
        completed = _completed_count(db, run.run_id, committed=seen[-1] + 1)
    assert completed >= 120 + 173 + 226 + 279
