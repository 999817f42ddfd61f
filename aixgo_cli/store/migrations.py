"""The journal's schema history: named, ordered migrations, each recorded in `schema_migrations`.

A database says which migrations built it, so a newer aixgo knows exactly what to add, and an older
aixgo can tell that a database was written by a newer one and refuse it instead of misreading it.
`PRAGMA user_version` holds the format version (the number of migrations applied) because SQLite keeps
it in the file header: it can be read before touching any table. Migrations are append-only: never
edit or reorder a shipped one, add a new one.

Why the tables look as they do (a step costs one `units` row, usually one or two `calls` rows and a few
`events` rows, and the budget is 2 KB of journal per step beyond the payload text):

* Runs get a small integer `id`; child rows carry that instead of the 26-character run id.
  AUTOINCREMENT so an id is never reused after a delete: a journal handle that cached the id of a
  deleted run gets a foreign-key error, never another run's rows.
* `units` and `calls` are ordinary rowid tables plus one unique index on (run, key), not WITHOUT ROWID
  tables: their rows hold LLM payloads of several KB, and in a WITHOUT ROWID table (an index b-tree)
  any row over ~1 KB spills into a mostly empty 4 KB overflow page. The rowid also gives "first started"
  order for free. No other index: every read is by (run, key) or by run.
* `events` has a per-run gapless `seq`; (run, seq) is both its uniqueness and its only index.
* Only JSON text in the *_json columns (checked before every write), timestamps as REAL Unix seconds.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Final

from aixgo_cli.errors import UserError

_RUN_STATUSES = "'running','completed','failed','paused','interrupted','waiting'"

MIGRATIONS: Final[tuple[tuple[str, str], ...]] = (
    (
        "0001_initial",
        f"""
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id TEXT NOT NULL UNIQUE,
            workflow_name TEXT NOT NULL,
            workflow_path TEXT NOT NULL,
            workflow_hash TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ({_RUN_STATUSES})),
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL,
            params_json TEXT NOT NULL,
            result_json TEXT,
            error TEXT,
            tokens_in INTEGER NOT NULL DEFAULT 0,
            tokens_out INTEGER NOT NULL DEFAULT 0,
            cost_usd REAL NOT NULL DEFAULT 0,
            steps INTEGER NOT NULL DEFAULT 0,
            lease_owner TEXT,
            lease_expires REAL
        );
        CREATE TABLE units (
            run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            unit_key TEXT NOT NULL,
            place TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('started','completed','failed')),
            input_hash TEXT NOT NULL,
            definition_hash TEXT NOT NULL,
            output_json TEXT,
            error TEXT,
            attempt INTEGER NOT NULL,
            tokens_in INTEGER NOT NULL,
            tokens_out INTEGER NOT NULL,
            cost_usd REAL NOT NULL,
            started_at REAL NOT NULL,
            finished_at REAL,
            duration_ms INTEGER
        );
        CREATE UNIQUE INDEX units_key ON units (run, unit_key);
        CREATE TABLE calls (
            run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            call_key TEXT NOT NULL,
            unit_key TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('llm','tool')),
            status TEXT NOT NULL CHECK (status IN ('intent','completed','failed')),
            request_json TEXT NOT NULL,
            response_json TEXT,
            error TEXT,
            tokens_in INTEGER NOT NULL,
            tokens_out INTEGER NOT NULL,
            cost_usd REAL NOT NULL,
            started_at REAL NOT NULL,
            finished_at REAL
        );
        CREATE UNIQUE INDEX calls_key ON calls (run, call_key);
        CREATE TABLE events (
            run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            kind TEXT NOT NULL,
            payload_json TEXT NOT NULL,
            at REAL NOT NULL
        );
        CREATE UNIQUE INDEX events_seq ON events (run, seq);
        """,
    ),
    (
        # Conversation sessions (`session:` / `run --session NAME`): each agent's turns, kept across runs.
        # Not tied to one run's row: a session outlives the runs that wrote it, and `runs rm` leaves it.
        # Clustered on the primary keys and without further indexes: a session holds at most
        # max_messages per agent, so its rows are scanned, and every journal pays only two pages for them.
        "0002_sessions",
        """
        CREATE TABLE sessions (
            name TEXT PRIMARY KEY,
            workflow_name TEXT NOT NULL,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE session_messages (
            session TEXT NOT NULL REFERENCES sessions(name) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            agent TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('user','assistant')),
            content TEXT NOT NULL,
            run_id TEXT NOT NULL,
            at REAL NOT NULL,
            PRIMARY KEY (session, seq)
        ) WITHOUT ROWID
        """,
    ),
    (
        # Each answer stored once (store/blobs.py): long strings of the JSON columns move to `blobs`, once
        # per distinct text of a run, as parts of at most ~1 KB (a 2 KB row would fill a 4 KiB page
        # alone) appended in rowid order; the first part carries the SHA-256, the others NULL. The rows
        # keep an envelope and a `*_refs` column. Rows written before keep their text whole (refs NULL),
        # so nothing is rewritten and nothing completed can be lost by the upgrade.
        "0003_blobs",
        """
        CREATE TABLE blobs (
            id INTEGER PRIMARY KEY,
            run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            sha256 BLOB,
            body BLOB NOT NULL
        );
        CREATE UNIQUE INDEX blobs_sha256 ON blobs (run, sha256);
        ALTER TABLE units ADD COLUMN output_refs TEXT;
        ALTER TABLE calls ADD COLUMN request_refs TEXT;
        ALTER TABLE calls ADD COLUMN response_refs TEXT;
        ALTER TABLE runs ADD COLUMN result_refs TEXT
        """,
    ),
    (
        # A fan-out's result is the list of its lanes' results: each is written as its lane finishes, a
        # row per item (long strings through `blobs`, like every JSON column), and the run keeps only how
        # many there are (`result_items`). The driver never holds the whole list, and the run's result is
        # not a second copy of it. Runs written before keep `result_json` (result_items NULL).
        "0004_result_items",
        """
        CREATE TABLE result_items (
            run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            value_json TEXT NOT NULL,
            value_refs TEXT,
            PRIMARY KEY (run, seq)
        ) WITHOUT ROWID;
        ALTER TABLE runs ADD COLUMN result_items INTEGER
        """,
    ),
)

FORMAT_VERSION: Final = len(MIGRATIONS)

_NEWER_HINT = "upgrade aixgo (pip install -U aixgo), or pass a different --db"


def _applied(conn: sqlite3.Connection) -> list[str]:
    has_table = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
    ).fetchone()
    if not has_table:
        return []
    return [row[0] for row in conn.execute("SELECT name FROM schema_migrations ORDER BY rowid")]


def check_format(conn: sqlite3.Connection, where: str) -> int:
    """Refuse a journal written by a newer aixgo, or a database that is not a journal at all."""
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version > FORMAT_VERSION:
        raise UserError(
            f"{where} has journal format {version}; this aixgo understands up to {FORMAT_VERSION}",
            hint=_NEWER_HINT,
        )
    applied = _applied(conn)
    known = [name for name, _ in MIGRATIONS]
    unknown = [name for name in applied if name not in known]
    if unknown:
        raise UserError(
            f"{where} was migrated by a newer aixgo (unknown migrations: {', '.join(unknown)})",
            hint=_NEWER_HINT,
        )
    if not applied:
        foreign = conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' LIMIT 3"
        ).fetchall()
        if foreign:
            raise UserError(
                f"{where} is a SQLite database but not an aixgo journal "
                f"(it has tables {', '.join(r[0] for r in foreign)})",
                hint="pass --db with a new file name, or omit --db to use the default journal",
            )
    return version


def migrate(conn: sqlite3.Connection, where: str) -> None:
    """Apply the missing migrations, each in its own `BEGIN IMMEDIATE` transaction.

    The format is re-checked inside each write transaction, so two processes opening a fresh database at
    once cannot both apply the same migration: the second sees the first's work and does nothing.
    """
    conn.execute("BEGIN")  # one snapshot: another process may be migrating between our statements
    with conn:
        version = check_format(conn, where)
    if version == FORMAT_VERSION:
        return
    for index, (name, sql) in enumerate(MIGRATIONS, start=1):
        conn.execute("BEGIN IMMEDIATE")
        with conn:
            if name in _applied(conn):
                continue
            check_format(conn, where)
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at REAL NOT NULL)"
            )
            # executescript() would commit our transaction first; run the statements one by one instead.
            for statement in _statements(sql):
                conn.execute(statement)
            conn.execute("INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)", (name, time.time()))
            conn.execute(f"PRAGMA user_version = {index}")


def _statements(sql: str) -> list[str]:
    """Split a migration on `;` ends of statements (migrations contain no `;` inside literals)."""
    return [part.strip() for part in sql.split(";") if part.strip()]
