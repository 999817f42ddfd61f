"""Each answer is stored once in the SQLite journal (store/blobs.py), measured through the real engine."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from aixgo_cli.config.model import load_workflow
from aixgo_cli.engine.runner import Runner, RunParams
from aixgo_cli.errors import UserError
from aixgo_cli.providers.types import ChatRequest
from aixgo_cli.store.sqlite_db import PAGE_SIZE
from aixgo_cli.store.sqlite_journal import SqliteJournal
from aixgo_cli.testing.fake_client import ScriptedClient

FANOUT = """\
version: 1
name: blobs
agents:
  - {name: items, role: producer, producer_config: {source: input, format: lines}}
  - {name: answer, role: react, model: openai/gpt-4o-mini, inputs: [items], concurrency: 2}
"""
ANSWER_BYTES = 2048


def answer(request: ChatRequest) -> str:
    """A distinct 2 KB answer per item, so no two steps can share a stored text."""
    return (request.last_user_text() + " ") * (ANSWER_BYTES // 4)


def fanout(tmp_path: Path, items: int, name: str = "j.db") -> Path:
    workflow_path = tmp_path / "w.yaml"
    workflow_path.write_text(FANOUT)
    path = tmp_path / name
    client = ScriptedClient(rules=[(".", lambda request: answer(request)[:ANSWER_BYTES])])
    with SqliteJournal(path) as journal:
        lines = "\n".join(f"q{n:06d}" for n in range(items))
        outcome = Runner(journal, client, lambda event: None).start(load_workflow(workflow_path), RunParams(lines))
        assert outcome.status == "completed", outcome.error
    return path


def test_an_answer_is_stored_once_for_its_call_its_step_and_the_run_result(tmp_path: Path) -> None:
    path = fanout(tmp_path, 3)
    conn = sqlite3.connect(path)
    # The three distinct answers, each once, and nothing else: prompts and envelopes stay in their rows.
    assert conn.execute("SELECT SUM(length(body)) FROM blobs").fetchone()[0] == 3 * ANSWER_BYTES
    for item in ("q000000", "q000001", "q000002"):
        piece = (item + " ") * 3  # a piece only the answer to this item contains
        inline = conn.execute(
            "SELECT (SELECT COUNT(*) FROM units WHERE instr(output_json, ?1))"
            " + (SELECT COUNT(*) FROM calls WHERE instr(response_json, ?1) OR instr(request_json, ?1))"
            " + (SELECT COUNT(*) FROM runs WHERE instr(result_json, ?1))",
            (piece,),
        ).fetchone()[0]
        assert inline == 0, item
    with SqliteJournal(path) as journal:
        run = journal.list_runs()[0]
        # Units start in any order at concurrency 2; the result is in item order.
        answers = sorted(json.loads(u.output_json or "null") for u in journal.list_units(run.run_id)[1:])
        assert answers == json.loads(run.result_json or "null")
        assert [answer[:16] for answer in answers] == [f"q00000{n} q00000{n} " for n in range(3)]
    conn.close()


def test_a_step_costs_at_most_2_kb_beyond_its_2_kb_answer(tmp_path: Path) -> None:
    """Bytes of the file (after VACUUM) per extra step, minus the answer and prompt text written once."""
    sizes = {}
    for items in (50, 250):
        path = fanout(tmp_path, items, f"{items}.db")
        conn = sqlite3.connect(path)
        conn.execute("VACUUM")
        assert conn.execute("PRAGMA page_size").fetchone()[0] == PAGE_SIZE
        conn.close()
        sizes[items] = path.stat().st_size
    per_step = (sizes[250] - sizes[50]) / 200
    payload = ANSWER_BYTES + len("q000000") * 2  # the answer, the prompt and the producer's item list
    print(f"journal bytes per step beyond the payload: {per_step - payload:.0f}")
    assert per_step - payload <= 2048, per_step


def test_deleting_a_run_deletes_its_texts_and_damaged_references_are_reported(tmp_path: Path) -> None:
    path = fanout(tmp_path, 2)
    with SqliteJournal(path) as journal:
        run = journal.list_runs()[0]
        conn = sqlite3.connect(path)
        conn.execute("UPDATE units SET output_refs = 'u;0:999999' WHERE output_refs IS NOT NULL")
        conn.commit()
        with pytest.raises(UserError, match="damaged"):
            journal.list_units(run.run_id)
        conn.execute("UPDATE units SET output_refs = 'u;zero' WHERE output_refs IS NOT NULL")
        conn.commit()
        with pytest.raises(UserError, match="damaged"):
            journal.list_units(run.run_id)
        assert conn.execute("SELECT COUNT(*) FROM blobs").fetchone()[0] > 0
        journal.delete_run(run.run_id)
        assert conn.execute("SELECT COUNT(*) FROM blobs").fetchone()[0] == 0
        conn.close()


def test_a_full_disk_is_a_run_error_whose_next_step_is_resume_as_data(tmp_path: Path) -> None:
    from aixgo_cli.cli.error_report import shown_hint
    from aixgo_cli.errors import NextStep, RunError
    from aixgo_cli.store.records import RunRecord

    with SqliteJournal(tmp_path / "j.db") as journal:
        run = RunRecord.start(workflow_name="w", workflow_path="w.yaml", workflow_hash="h", params_json="{}")
        journal.create_run(run)
        journal.start_unit(run.run_id, "u", place="u", input_hash="i", definition_hash="d")
        conn = journal._db.connection()
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")  # the file may not grow: SQLite reports SQLITE_FULL
        big = '"' + "x" * 200_000 + '"'
        with pytest.raises(RunError, match="completed steps are kept") as full:
            journal.complete_unit(run.run_id, "u", big)
        assert full.value.next_step == NextStep("resume")
        assert shown_hint(full.value) == "free disk space, then continue with: aixgo resume RUN_ID"
        assert journal.get_unit(run.run_id, "u").status == "started"  # type: ignore[union-attr]
