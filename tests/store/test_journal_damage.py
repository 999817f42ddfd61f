"""A damaged journal is an input problem (exit 2, the file named), and reading never writes.

`runs list/show/export` open the journal read-only: they create no file, directory, -wal or -shm, and
change no byte of the journal. Damage of every kind (a dropped table, a row holding text that is not
JSON, a file cut short, a file that is not a database) gets a clear message instead of a crash.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from aixgo_cli.cli import main
from aixgo_cli.store.records import RunRecord
from aixgo_cli.store.sqlite_journal import SqliteJournal

RUN_ID = "r01damagedjournaltest00001"


def _journal(tmp_path: Path, *, status: str = "completed") -> Path:
    path = tmp_path / "j.db"
    run = RunRecord.start(
        workflow_name="wf",
        workflow_path=str(tmp_path / "wf.yaml"),
        workflow_hash="h",
        params_json='{"input": "hello"}',
        now=1_700_000_000.0,
    )
    from dataclasses import replace

    with SqliteJournal(path) as journal:
        journal.create_run(replace(run, run_id=RUN_ID))
        journal.update_run(RUN_ID, status=status, result_json='["done"]')  # type: ignore[arg-type]
    return path


def _sql(path: Path, statement: str) -> None:
    raw = sqlite3.connect(path)
    raw.execute(statement)
    raw.commit()
    raw.close()


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])


DAMAGE: dict[str, Callable[[Path], object]] = {
    "dropped runs table": lambda p: _sql(p, "DROP TABLE runs"),
    "dropped units table": lambda p: _sql(p, "DROP TABLE units"),
    "dropped events table": lambda p: _sql(p, "DROP TABLE events"),
    "result not JSON": lambda p: _sql(p, "UPDATE runs SET result_json = '[not json'"),
    "truncated": _truncate,
    "not a database": lambda p: p.write_bytes(b"just some text, not SQLite\n" * 200),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
@pytest.mark.parametrize("command", [["runs", "list"], ["runs", "show", RUN_ID, "--json"], ["resume", RUN_ID]])
def test_a_damaged_journal_is_exit_2_with_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: str, command: list[str]
) -> None:
    path = _journal(tmp_path)
    DAMAGE[damage](path)
    code = main([*command, "--db", str(path)])
    err = capsys.readouterr().err
    if code == 0:  # a command that does not read the damaged part (list does not parse results)
        assert "internal error" not in err
        return
    assert code == 2, err
    assert "internal error" not in err and "Traceback" not in err
    assert "journal" in err or str(path) in err


def test_resume_of_a_run_whose_parameters_are_not_json_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _journal(tmp_path, status="paused")
    (tmp_path / "wf.yaml").write_text(
        "version: 1\nname: wf\nagents:\n  - {name: a, role: react, model: openai/gpt-4o-mini}\n", encoding="utf-8"
    )
    _sql(path, "UPDATE runs SET params_json = '{broken'")
    assert main(["resume", RUN_ID, "--db", str(path)]) == 2
    err = capsys.readouterr().err
    assert "the journal is damaged: invalid JSON in the run's parameters" in err


def test_reading_commands_create_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "no" / "such" / "runs.db"
    for command in (["runs", "list"], ["runs", "show", "r01x"], ["runs", "export", "r01x", str(tmp_path / "o.db")]):
        assert main([*command, "--db", str(missing)]) == 2
        assert "no journal at" in capsys.readouterr().err
    assert not (tmp_path / "no").exists()
    assert not (tmp_path / "o.db").exists()


def test_reading_commands_change_no_byte_and_leave_no_side_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _journal(tmp_path)
    before = path.read_bytes()
    assert main(["runs", "list", "--db", str(path)]) == 0
    assert main(["runs", "show", RUN_ID, "--db", str(path)]) == 0
    assert main(["runs", "export", RUN_ID, str(tmp_path / "copy.db"), "--db", str(path)]) == 0
    out = capsys.readouterr().out
    assert RUN_ID in out
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.db", "j.db"]
    with SqliteJournal(tmp_path / "copy.db") as copy:
        assert copy.find_run(RUN_ID).status == "completed"


def test_a_journal_in_use_is_read_with_the_writers_committed_work(tmp_path: Path) -> None:
    path = _journal(tmp_path)
    with SqliteJournal(path) as writer:
        writer.update_run(RUN_ID, status="failed", error="boom")
        assert Path(f"{path}-wal").exists()  # the writer holds the journal open
        with SqliteJournal(path, read_only=True) as reader:
            assert reader.find_run(RUN_ID).status == "failed"


def test_the_read_only_journal_refuses_writes(tmp_path: Path) -> None:
    path = _journal(tmp_path)
    with SqliteJournal(path, read_only=True) as reader, pytest.raises(Exception, match=r"(?i)read.?only"):
        reader.update_run(RUN_ID, status="failed")
