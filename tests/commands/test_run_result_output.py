"""A fan-out's result printed from the journal a page at a time reads exactly as the same list printed
from memory, as lines and as `--json`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aixgo_cli.cli.run_support import finish
from aixgo_cli.engine.budget import Spent
from aixgo_cli.engine.result_items import ResultWriter
from aixgo_cli.engine.runner import RunOutcome
from aixgo_cli.store.records import RunRecord
from aixgo_cli.store.sqlite_journal import SqliteJournal

VALUES = [f"line {n} · ü" for n in range(700)] + [{"structured": True, "n": 1}, "x" * 400]


@pytest.mark.parametrize("json_out", [False, True])
def test_a_stored_result_prints_as_the_same_list_held_in_memory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], json_out: bool
) -> None:
    with SqliteJournal(tmp_path / "journal.db") as journal:
        run = RunRecord.start(workflow_name="w", workflow_path="/w.yaml", workflow_hash="h", params_json="{}", now=1.0)
        journal.create_run(run)
        writer = ResultWriter(journal, run.run_id, keep_in_memory=0)
        for position in reversed(range(len(VALUES))):  # lanes finish in any order
            writer.add(position, VALUES[position])
        stored = writer.finished(len(VALUES))
        assert stored.kept is None
        journal.update_run(run.run_id, status="completed", result_items=stored.count)

        finish(RunOutcome(run.run_id, "completed", stored, Spent()), json_out=json_out, quiet=True, replayed=None)
        from_journal = capsys.readouterr().out
        finish(RunOutcome(run.run_id, "completed", VALUES, Spent()), json_out=json_out, quiet=True, replayed=None)
        from_memory = capsys.readouterr().out

    assert from_journal == from_memory
    if json_out:
        assert json.loads(from_journal)["result"] == VALUES
    else:
        assert from_journal.splitlines()[0] == "line 0 · ü"
        assert len(from_journal.splitlines()) == len(VALUES)
