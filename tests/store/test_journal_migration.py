"""A journal written by an older aixgo (format 2, captured in data/journal_format2.sql) opens, shows and
resumes with this one: the migration adds what is new and loses no completed step."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from aixgo_cli.config.model import load_workflow
from aixgo_cli.engine.runner import Runner, RunParams
from aixgo_cli.store.migrations import FORMAT_VERSION
from aixgo_cli.store.sqlite_journal import SqliteJournal
from aixgo_cli.testing.fake_client import ScriptedClient

DATA = Path(__file__).parent / "data"
COMPLETED, PAUSED = "r01m8mxqjd8cy4fqq0n7f5xqc4", "r01m8mxqjgd16pgpbv5br9tsmk"


def old_journal(tmp_path: Path) -> tuple[Path, Path]:
    """The captured format-2 journal as a file, its runs pointing at a copy of their workflow."""
    workflow = tmp_path / "wf.yaml"
    workflow.write_text((DATA / "journal_format2.yaml").read_text())
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript((DATA / "journal_format2.sql").read_text())
    conn.execute("UPDATE runs SET workflow_path = ?", (str(workflow),))
    conn.commit()
    conn.close()
    return path, workflow


def raw_rows(path: Path) -> dict[str, list[Any]]:
    conn = sqlite3.connect(path)
    try:
        return {
            "units": conn.execute("SELECT run, unit_key, status, output_json FROM units ORDER BY rowid").fetchall(),
            "calls": conn.execute(
                "SELECT run, call_key, status, request_json, response_json FROM calls ORDER BY rowid"
            ).fetchall(),
            "runs": conn.execute("SELECT run_id, status, result_json FROM runs ORDER BY id").fetchall(),
            "events": conn.execute("SELECT run, seq, kind, payload_json FROM events ORDER BY run, seq").fetchall(),
        }
    finally:
        conn.close()


def test_the_captured_journal_is_format_2_with_completed_steps(tmp_path: Path) -> None:
    path, _ = old_journal(tmp_path)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 2 < FORMAT_VERSION
    assert conn.execute("SELECT COUNT(*) FROM units WHERE status = 'completed'").fetchone()[0] >= 5
    conn.close()


def test_an_old_journal_is_migrated_and_reads_back_every_completed_step(tmp_path: Path) -> None:
    path, _ = old_journal(tmp_path)
    before = raw_rows(path)
    with SqliteJournal(path) as journal:
        assert {run.run_id: run.status for run in journal.list_runs()} == {COMPLETED: "completed", PAUSED: "paused"}
        units = [(u.unit_key, u.status, u.output_json) for r in (COMPLETED, PAUSED) for u in journal.list_units(r)]
        assert units == [(key, status, output) for _, key, status, output in before["units"]]
        calls = [
            (c.call_key, c.status, c.request_json, c.response_json)
            for r in (COMPLETED, PAUSED)
            for c in journal.list_calls(r)
        ]
        assert calls == [row[1:] for row in before["calls"]]
        assert [(r, journal.get_run(r).result_json) for r, *_ in before["runs"]] == [  # type: ignore[union-attr]
            (run_id, result) for run_id, _, result in before["runs"]
        ]
        events = [(e.seq, e.kind, e.payload_json) for r in (COMPLETED, PAUSED) for e in journal.list_events(r)]
        assert events == [row[1:] for row in before["events"]]
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == FORMAT_VERSION
    assert "0003_blobs" in {row[0] for row in conn.execute("SELECT name FROM schema_migrations")}
    conn.close()


def test_a_paused_run_of_an_old_journal_resumes_without_redoing_its_steps(tmp_path: Path) -> None:
    path, workflow_path = old_journal(tmp_path)
    workflow = load_workflow(workflow_path)
    client = ScriptedClient(rules=[(".", "new answer " + "n" * 300)])
    with SqliteJournal(path) as journal:
        done_before = {u.unit_key: u.output_json for u in journal.list_units(PAUSED) if u.status == "completed"}
        run = journal.find_run(PAUSED)
        params = json.loads(run.params_json)
        outcome = Runner(journal, client, lambda event: None).resume(
            run, workflow, RunParams(input=params["input"], max_steps=50)
        )
        assert outcome.status == "completed", outcome.error
        asked = [request.last_user_text() for request in client.requests]
        # gamma's answer was journaled before the pause: it is not asked again, and the summary gets its text
        assert "Answer: gamma" not in asked and asked.count("Answer: delta") == 1
        assert any(text.startswith("Sum up: answer 4 to Answer: gamma é") for text in asked), asked
        after = {u.unit_key: u.output_json for u in journal.list_units(PAUSED)}
        assert all(after[key] == output for key, output in done_before.items())
        result = json.loads(journal.get_run(PAUSED).result_json or "null")  # type: ignore[union-attr]
        assert "new answer" in json.dumps(result)


@pytest.mark.slow
def test_runs_list_and_show_read_an_old_journal(tmp_path: Path) -> None:
    path, _ = old_journal(tmp_path)
    repo = Path(__file__).resolve().parents[2]
    env = {"PYTHONPATH": str(repo), "AIXGO_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"}

    def aixgo(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "aixgo_cli", *args],
            check=False,
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )

    # A read-only command does not migrate: it says how to upgrade, with the documented exit code 2.
    refused = aixgo("runs", "list", "--db", str(path))
    assert refused.returncode == 2 and "upgrades it" in refused.stderr, refused.stderr
    assert "Traceback" not in refused.stderr
    with SqliteJournal(path) as journal:
        journal.list_runs()  # any run or resume with this --db upgrades it
    listed = aixgo("runs", "list", "--db", str(path), "--json")
    assert listed.returncode == 0, listed.stderr
    assert {json.loads(line)["run_id"] for line in listed.stdout.splitlines()} == {COMPLETED, PAUSED}
    shown = aixgo("runs", "show", COMPLETED[:12], "--db", str(path), "--json")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["status"] == "completed"
