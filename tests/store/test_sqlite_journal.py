"""What only the SQLite journal has: files and permissions, pragmas, migrations and format refusal,
index use on the memo lookup, and a lease held by another process."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from aixgo_cli.errors import ConfigurationError, RunError, UserError
from aixgo_cli.store import migrations, sqlite_db, sqlite_usage
from aixgo_cli.store.migrations import FORMAT_VERSION, MIGRATIONS
from aixgo_cli.store.records import RunRecord
from aixgo_cli.store.sqlite_journal import SqliteJournal

REPO = Path(__file__).resolve().parents[2]


def _run(journal: SqliteJournal) -> RunRecord:
    run = RunRecord.start(workflow_name="w", workflow_path="w.yaml", workflow_hash="h", params_json="{}")
    journal.create_run(run)
    return run


def _raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


def test_setup_is_lazy_and_files_are_private(tmp_path: Path) -> None:
    path = tmp_path / "fresh" / "nested" / "runs.db"
    journal = SqliteJournal(path)
    assert not path.parent.exists()  # constructing touches nothing
    with journal:
        run = _run(journal)
        journal.append_event(run.run_id, "e", "{}")
        assert path.parent.stat().st_mode & 0o777 == 0o700
        for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            assert file.stat().st_mode & 0o777 == 0o600, file


def test_an_existing_directory_keeps_its_mode(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    with SqliteJournal(tmp_path / "runs.db") as journal:
        journal.list_runs()
    assert tmp_path.stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "runs.db").stat().st_mode & 0o777 == 0o600


def test_connection_pragmas(tmp_path: Path) -> None:
    with SqliteJournal(tmp_path / "runs.db") as journal:
        conn = journal._db.connection()
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_migrations_are_recorded_once(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    for _ in range(2):
        with SqliteJournal(path) as journal:
            journal.list_runs()
    raw = _raw(path)
    rows = raw.execute("SELECT name, applied_at FROM schema_migrations ORDER BY rowid").fetchall()
    assert [name for name, _ in rows] == [name for name, _ in MIGRATIONS]
    assert all(isinstance(at, float) for _, at in rows)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == FORMAT_VERSION
    raw.close()


def test_a_new_migration_upgrades_an_existing_journal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "runs.db"
    with SqliteJournal(path) as journal:
        run = _run(journal)
    extra = ("9999_test_column", "ALTER TABLE runs ADD COLUMN note TEXT; CREATE INDEX runs_note ON runs (note)")
    monkeypatch.setattr(migrations, "MIGRATIONS", (*MIGRATIONS, extra))
    monkeypatch.setattr(migrations, "FORMAT_VERSION", FORMAT_VERSION + 1)
    with SqliteJournal(path) as journal:
        assert journal.get_run(run.run_id) == run
    raw = _raw(path)
    assert raw.execute("SELECT name FROM schema_migrations ORDER BY rowid").fetchall()[-1] == (extra[0],)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == FORMAT_VERSION + 1
    assert "note" in [col[1] for col in raw.execute("PRAGMA table_info(runs)")]
    raw.close()


def test_a_failing_migration_rolls_back_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "runs.db"
    with SqliteJournal(path) as journal:
        journal.list_runs()
    broken = ("9999_broken", "ALTER TABLE runs ADD COLUMN note TEXT; CREATE TABLE units (x)")
    monkeypatch.setattr(migrations, "MIGRATIONS", (*MIGRATIONS, broken))
    monkeypatch.setattr(migrations, "FORMAT_VERSION", FORMAT_VERSION + 1)
    with pytest.raises(sqlite3.OperationalError, match="already exists"):
        SqliteJournal(path).list_runs()
    raw = _raw(path)
    assert "note" not in [col[1] for col in raw.execute("PRAGMA table_info(runs)")]
    assert raw.execute("PRAGMA user_version").fetchone()[0] == FORMAT_VERSION
    raw.close()


def test_processes_opening_a_fresh_file_at_once_migrate_it_once(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    journals = [SqliteJournal(path) for _ in range(4)]
    barrier = threading.Barrier(len(journals))
    failures: list[BaseException] = []

    def open_one(journal: SqliteJournal) -> None:
        barrier.wait()
        try:
            journal.list_runs()
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=open_one, args=(j,)) for j in journals]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for journal in journals:
        journal.close()
    assert failures == []
    raw = _raw(path)
    assert raw.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] == len(MIGRATIONS)
    raw.close()


def test_a_journal_locked_past_the_busy_timeout_is_a_run_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "runs.db"
    monkeypatch.setattr(sqlite_db, "BUSY_TIMEOUT_MS", 20)
    with SqliteJournal(path) as journal:
        run = _run(journal)
        holder = _raw(path)
        holder.execute("BEGIN IMMEDIATE")  # another writer that never lets go
        try:
            with pytest.raises(RunError, match="locked by another process") as busy:
                journal.append_event(run.run_id, "e", "{}")
            assert busy.value.hint
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert journal.append_event(run.run_id, "e", "{}") == 1  # nothing half-written, usable again


def test_a_journal_from_a_newer_aixgo_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    with SqliteJournal(path) as journal:
        run = _run(journal)
    raw = _raw(path)
    raw.execute(f"PRAGMA user_version = {FORMAT_VERSION + 1}")
    raw.close()
    with pytest.raises(UserError, match=f"format {FORMAT_VERSION + 1}") as refused:
        SqliteJournal(path).get_run(run.run_id)
    assert refused.value.hint and "upgrade aixgo" in refused.value.hint


def test_an_unknown_migration_name_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    with SqliteJournal(path) as journal:
        journal.list_runs()
    raw = _raw(path)
    raw.execute("INSERT INTO schema_migrations VALUES ('0002_from_the_future', 0)")
    raw.close()
    with pytest.raises(UserError, match="0002_from_the_future"):
        SqliteJournal(path).list_runs()


def test_files_that_are_not_journals_are_refused(tmp_path: Path) -> None:
    text = tmp_path / "notes.db"
    text.write_text("this is not a database, just some words " * 100)
    with pytest.raises(UserError, match="not a readable aixgo journal"):
        SqliteJournal(text).list_runs()
    other = tmp_path / "other.db"
    raw = _raw(other)
    raw.execute("CREATE TABLE customers (name)")
    raw.close()
    with pytest.raises(UserError, match="not an aixgo journal") as refused:
        SqliteJournal(other).list_runs()
    assert "customers" in refused.value.message
    raw = _raw(other)
    assert [r[0] for r in raw.execute("SELECT name FROM sqlite_master")] == ["customers"]  # untouched
    raw.close()


def test_a_journal_path_that_cannot_be_created_is_a_configuration_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ConfigurationError, match="cannot create the journal") as refused:
        SqliteJournal(blocker / "runs.db").list_runs()
    assert refused.value.hint and "--db" in refused.value.hint


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_an_unwritable_journal_is_a_configuration_error(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(ConfigurationError):
            SqliteJournal(locked / "runs.db").list_runs()
    finally:
        locked.chmod(0o700)


def test_memo_lookups_use_the_key_index(tmp_path: Path) -> None:
    with SqliteJournal(tmp_path / "runs.db") as journal:
        conn = journal._db.connection()
        for sql in (
            "SELECT * FROM units WHERE run = 1 AND unit_key = 'k' AND status = 'completed'",
            "SELECT * FROM calls WHERE run = 1 AND call_key = 'k'",
            "SELECT COALESCE(MAX(seq), 0) FROM events WHERE run = 1",
        ):
            plan = " ".join(str(row[-1]) for row in conn.execute("EXPLAIN QUERY PLAN " + sql))
            assert "USING INDEX" in plan or "USING COVERING INDEX" in plan, (sql, plan)


def test_a_lease_held_by_another_process_blocks_this_one(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    with SqliteJournal(path) as journal:
        run = _run(journal)
        holder = (
            "import sys; from pathlib import Path\n"
            "from aixgo_cli.store.sqlite_journal import SqliteJournal\n"
            "j = SqliteJournal(Path(sys.argv[1]))\n"
            "print(j.acquire_lease(sys.argv[2], 'other-process', 3600)); j.close()\n"
        )
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        result = subprocess.run(
            [sys.executable, "-c", holder, str(path), run.run_id],
            capture_output=True,
            text=True,
            env=env,
            check=True,
            timeout=60,
        )
        assert result.stdout.strip() == "True"
        assert not journal.acquire_lease(run.run_id, "this-process", 60)
        lease = journal.get_lease(run.run_id)
        assert lease is not None and lease.owner == "other-process"


def test_spent_without_sqlite_json_functions_reads_the_rows_instead(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with SqliteJournal(tmp_path / "runs.db") as journal:
        run = _run(journal)
        journal.start_unit(run.run_id, "u", place="p", input_hash="i", definition_hash="d")
        journal.record_call_intent(run.run_id, "u", "u/m1", "llm", '{"model": "openai/a"}')
        journal.complete_call(run.run_id, "u/m1", '{"usage": {"cost_known": false}}', tokens_in=3, cost_usd=0.5)
        by_sql = journal.spent(run.run_id)
        # What an SQLite built without JSON functions answers: "no such function: json_group_array".
        monkeypatch.setattr(sqlite_usage, "_SPENT", "SELECT no_such_function()")
        by_rows = journal.spent(run.run_id)
    assert by_rows == by_sql
    assert (by_sql.tokens_in, by_sql.units, by_sql.unknown_cost_models) == (3, 1, frozenset({"openai/a"}))
