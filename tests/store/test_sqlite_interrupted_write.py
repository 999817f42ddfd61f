"""A KeyboardInterrupt can land between a write's `BEGIN IMMEDIATE` and the block that commits it. The
transaction it leaves open holds nothing committed; the next write rolls it back and goes on instead of
failing with "cannot start a transaction within a transaction"."""

from __future__ import annotations

from pathlib import Path

from aixgo_cli.store.sqlite_db import Database


def test_a_write_after_an_abandoned_begin_rolls_it_back_and_commits(tmp_path: Path) -> None:
    db = Database(tmp_path / "runs.db")
    conn = db.connection()
    conn.execute("CREATE TABLE notes (text TEXT)")
    conn.execute("BEGIN IMMEDIATE")  # as an interrupted write leaves it
    conn.execute("INSERT INTO notes VALUES ('never committed')")
    assert conn.in_transaction

    with db.write() as writer:
        writer.execute("INSERT INTO notes VALUES ('kept')")

    assert [row[0] for row in conn.execute("SELECT text FROM notes")] == ["kept"]
    assert conn.execute("PRAGMA main.journal_mode").fetchone()[0] == "wal"  # the connection is still usable
