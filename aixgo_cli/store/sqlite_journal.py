"""The run journal in SQLite: the store real runs use.

Every public write is one `BEGIN IMMEDIATE` transaction (see `sqlite_db`), so a process killed at any
instant leaves whole operations or nothing. The hot path of a step is four or five small transactions
(start the unit, a call's intent and result, the unit's result with its events), each touching one or
two b-tree pages; run ids are mapped to the integer key once per handle and cached, so the hot path
never looks the run up again. The table layout and why it is so: `migrations`. Long strings of the JSON
columns (a model's answer, in a call's reply, a unit's output and the run's result) are stored once per
run and referenced: `blobs`; every reader here gets the original text back.

Usage (tokens, cost) accumulates on a unit or call across attempts: a retried step still spent what
its failed attempts spent, and budgets must see that.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import astuple, fields, replace
from pathlib import Path
from typing import Any

from aixgo_cli.store import blobs, rules
from aixgo_cli.store.export import copy_run
from aixgo_cli.store.protocol import EventSpec
from aixgo_cli.store.records import (
    CALL_KINDS,
    RUN_STATUSES,
    CallKind,
    CallRecord,
    CallStatus,
    EventRecord,
    RunRecord,
    UnitRecord,
    UnitStatus,
    check_choice,
)
from aixgo_cli.store.sqlite_db import Database
from aixgo_cli.store.sqlite_runs import RUN_COLUMNS, SqliteRuns, store_result
from aixgo_cli.store.sqlite_sessions import SqliteSessions
from aixgo_cli.store.sqlite_usage import SqliteUsage

_UNIT_COLUMNS = (
    "unit_key, place, status, input_hash, definition_hash, output_json, error, attempt, "
    "tokens_in, tokens_out, cost_usd, started_at, finished_at, duration_ms"
)
_CALL_COLUMNS = (
    "call_key, unit_key, kind, status, request_json, response_json, error, "
    "tokens_in, tokens_out, cost_usd, started_at, finished_at"
)
# What a read selects: the record's columns, then the refs that rebuild its JSON text (see `blobs`).
_UNIT_READ = f"{_UNIT_COLUMNS}, output_refs"
_CALL_READ = f"{_CALL_COLUMNS}, request_refs, response_refs"
_START_UNIT = f"""
INSERT INTO units (run, {_UNIT_COLUMNS})
VALUES (?, ?, ?, 'started', ?, ?, NULL, NULL, 1, 0, 0, 0, ?, NULL, NULL)
ON CONFLICT (run, unit_key) DO UPDATE SET
    place = excluded.place, status = 'started', input_hash = excluded.input_hash,
    definition_hash = excluded.definition_hash, output_json = NULL, output_refs = NULL, error = NULL,
    attempt = attempt + 1, started_at = excluded.started_at, finished_at = NULL, duration_ms = NULL
RETURNING attempt
"""
_FINISH_UNIT = """
UPDATE units SET status = ?, output_json = ?, output_refs = ?, error = ?,
    tokens_in = tokens_in + ?, tokens_out = tokens_out + ?, cost_usd = cost_usd + ?,
    finished_at = ?, duration_ms = COALESCE(?, MAX(0, CAST((? - started_at) * 1000 + 0.5 AS INTEGER)))
WHERE run = ? AND unit_key = ? AND status = 'started'
"""
_CALL_INTENT = f"""
INSERT INTO calls (run, {_CALL_COLUMNS}, request_refs)
VALUES (?, ?, ?, ?, 'intent', ?, NULL, NULL, 0, 0, 0, ?, NULL, ?)
ON CONFLICT (run, call_key) DO UPDATE SET
    unit_key = excluded.unit_key, kind = excluded.kind, status = 'intent',
    request_json = excluded.request_json, request_refs = excluded.request_refs,
    response_json = NULL, response_refs = NULL, error = NULL,
    started_at = excluded.started_at, finished_at = NULL
WHERE calls.status <> 'completed'
"""
_FINISH_CALL = """
UPDATE calls SET status = ?, response_json = ?, response_refs = ?, error = ?,
    tokens_in = tokens_in + ?, tokens_out = tokens_out + ?, cost_usd = cost_usd + ?, finished_at = ?
WHERE run = ? AND call_key = ? AND status = 'intent'
"""


class SqliteJournal(SqliteRuns, SqliteSessions, SqliteUsage):
    """A journal in one SQLite file. Cheap to construct: the file is opened on first use."""

    def __init__(self, path: Path | str, *, clock: Callable[[], float] = time.time, read_only: bool = False) -> None:
        super().__init__(Database(Path(path), read_only=read_only), clock)

    @property
    def path(self) -> Path:
        return self._db.path

    def __enter__(self) -> SqliteJournal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    # Units ------------------------------------------------------------------------------------------

    def _unit(self, run_id: str, unit_key: str, *, completed_only: bool) -> UnitRecord | None:
        run = self._pk(run_id)
        sql = f"SELECT {_UNIT_READ} FROM units WHERE run = ? AND unit_key = ?"
        if completed_only:
            sql += " AND status = 'completed'"
        rows = self._db.query(sql, (run, unit_key))
        return _unit_record(self._db, run_id, rows[0]) if rows else None

    def get_completed_unit(self, run_id: str, unit_key: str) -> UnitRecord | None:
        return self._unit(run_id, unit_key, completed_only=True)

    def get_unit(self, run_id: str, unit_key: str) -> UnitRecord | None:
        return self._unit(run_id, unit_key, completed_only=False)

    def start_unit(self, run_id: str, unit_key: str, *, place: str, input_hash: str, definition_hash: str) -> int:
        with self._write(run_id) as (conn, run):
            # fetchall(): step the statement to its end so nothing is left running at COMMIT.
            rows = conn.execute(
                _START_UNIT, (run, unit_key, place, input_hash, definition_hash, self._clock())
            ).fetchall()
            return int(rows[0][0])

    def _finish_unit(
        self,
        run_id: str,
        unit_key: str,
        *,
        status: UnitStatus,
        output_json: str | None,
        error: str | None,
        usage: tuple[int, int, float],
        duration_ms: int | None,
        events: Sequence[EventSpec],
    ) -> None:
        rules.check_usage(*usage)
        cut = blobs.prepare("output_json", output_json)
        with self._write(run_id) as (conn, run):
            now = self._clock()
            output, refs = blobs.store(conn, run, cut)
            params = (status, output, refs, error, *usage, now, duration_ms, now, run, unit_key)
            if conn.execute(_FINISH_UNIT, params).rowcount != 1:
                found = conn.execute(
                    "SELECT status FROM units WHERE run = ? AND unit_key = ?", (run, unit_key)
                ).fetchone()
                raise rules.not_started("unit", unit_key, found[0] if found else None)
            self._insert_events(conn, run, events, now)

    def complete_unit(
        self,
        run_id: str,
        unit_key: str,
        output_json: str,
        *,
        tokens_in: int = 0,
        tokens_out: int = 0,
        cost_usd: float = 0.0,
        duration_ms: int | None = None,
        events: Sequence[EventSpec] = (),
    ) -> None:
        usage = (tokens_in, tokens_out, cost_usd)
        self._finish_unit(
            run_id,
            unit_key,
            status="completed",
            output_json=output_json,
            error=None,
            usage=usage,
            duration_ms=duration_ms,
            events=events,
        )

    def fail_unit(
        self,
        run_id: str,
        unit_key: str,
        error: str,
        *,
        tokens_in: int = 0,
        tokens_out: int = 0,
        cost_usd: float = 0.0,
        duration_ms: int | None = None,
        events: Sequence[EventSpec] = (),
    ) -> None:
        usage = (tokens_in, tokens_out, cost_usd)
        self._finish_unit(
            run_id,
            unit_key,
            status="failed",
            output_json=None,
            error=error,
            usage=usage,
            duration_ms=duration_ms,
            events=events,
        )

    def list_units(self, run_id: str) -> list[UnitRecord]:
        run = self._pk(run_id)
        rows = self._db.query(f"SELECT {_UNIT_READ} FROM units WHERE run = ? ORDER BY rowid", (run,))
        return [_unit_record(self._db, run_id, row) for row in rows]

    # Calls ------------------------------------------------------------------------------------------

    def record_call_intent(self, run_id: str, unit_key: str, call_key: str, kind: CallKind, request_json: str) -> None:
        check_choice("kind", kind, CALL_KINDS)
        cut = blobs.prepare("request_json", request_json)
        with self._write(run_id) as (conn, run):
            request, refs = blobs.store(conn, run, cut)
            params = (run, call_key, unit_key, kind, request, self._clock(), refs)
            if conn.execute(_CALL_INTENT, params).rowcount != 1:
                raise ValueError(f"call {call_key!r} already completed; use its recorded response")

    def _finish_call(
        self,
        run_id: str,
        call_key: str,
        *,
        status: CallStatus,
        response_json: str | None,
        error: str | None,
        usage: tuple[int, int, float],
    ) -> None:
        rules.check_usage(*usage)
        cut = blobs.prepare("response_json", response_json)
        with self._write(run_id) as (conn, run):
            response, refs = blobs.store(conn, run, cut)
            params = (status, response, refs, error, *usage, self._clock(), run, call_key)
            if conn.execute(_FINISH_CALL, params).rowcount != 1:
                found = conn.execute(
                    "SELECT status FROM calls WHERE run = ? AND call_key = ?", (run, call_key)
                ).fetchone()
                raise rules.not_started("call", call_key, found[0] if found else None)

    def complete_call(
        self,
        run_id: str,
        call_key: str,
        response_json: str,
        *,
        tokens_in: int = 0,
        tokens_out: int = 0,
        cost_usd: float = 0.0,
    ) -> None:
        usage = (tokens_in, tokens_out, cost_usd)
        self._finish_call(run_id, call_key, status="completed", response_json=response_json, error=None, usage=usage)

    def fail_call(
        self,
        run_id: str,
        call_key: str,
        error: str,
        *,
        tokens_in: int = 0,
        tokens_out: int = 0,
        cost_usd: float = 0.0,
    ) -> None:
        usage = (tokens_in, tokens_out, cost_usd)
        self._finish_call(run_id, call_key, status="failed", response_json=None, error=error, usage=usage)

    def get_call(self, run_id: str, call_key: str) -> CallRecord | None:
        run = self._pk(run_id)
        rows = self._db.query(f"SELECT {_CALL_READ} FROM calls WHERE run = ? AND call_key = ?", (run, call_key))
        return _call_record(self._db, run_id, rows[0]) if rows else None

    def list_calls(self, run_id: str, *, unit_key: str | None = None) -> list[CallRecord]:
        sql = f"SELECT {_CALL_READ} FROM calls WHERE run = ?"
        params: tuple[object, ...] = (self._pk(run_id),)
        if unit_key is not None:
            sql += " AND unit_key = ?"
            params += (unit_key,)
        rows = self._db.query(sql + " ORDER BY rowid", params)
        return [_call_record(self._db, run_id, row) for row in rows]

    # Events -----------------------------------------------------------------------------------------

    @staticmethod
    def _insert_events(conn: sqlite3.Connection, run: int, events: Sequence[EventSpec], now: float) -> int:
        """Append events with the next gapless seqs; the caller's transaction makes them atomic."""
        seq = 0
        if events:
            seq = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM events WHERE run = ?", (run,)).fetchone()[0]
        for kind, payload_json in events:
            rules.check_event(kind, payload_json)
            seq += 1
            conn.execute(
                "INSERT INTO events (run, seq, kind, payload_json, at) VALUES (?, ?, ?, ?, ?)",
                (run, seq, kind, payload_json, now),
            )
        return int(seq)

    def append_event(self, run_id: str, kind: str, payload_json: str) -> int:
        rules.check_event(kind, payload_json)
        with self._write(run_id) as (conn, run):
            return self._insert_events(conn, run, ((kind, payload_json),), self._clock())

    def list_events(self, run_id: str, *, after_seq: int = 0) -> list[EventRecord]:
        rows = self._db.query(
            "SELECT seq, kind, payload_json, at FROM events WHERE run = ? AND seq > ? ORDER BY seq",
            (self._pk(run_id), after_seq),
        )
        return [EventRecord(run_id, *row) for row in rows]

    # Whole run --------------------------------------------------------------------------------------

    def export_run(self, run_id: str, dest: Path) -> None:
        with self._db.read():  # one snapshot: a unit and its events are copied together or not at all
            copy_run(self, run_id, dest, SqliteJournal)

    def import_run(
        self,
        run: RunRecord,
        units: Sequence[UnitRecord],
        calls: Sequence[CallRecord],
        events: Sequence[EventRecord],
    ) -> None:
        """Insert a whole run verbatim (as `export_run` read it from another journal), in one transaction."""
        check_choice("status", run.status, RUN_STATUSES)
        with self._db.write() as conn:
            values = astuple(run)
            marks = ", ".join("?" * len(values))
            try:
                cursor = conn.execute(f"INSERT INTO runs ({RUN_COLUMNS}) VALUES ({marks})", values)
            except sqlite3.IntegrityError:
                raise ValueError(f"run {run.run_id} is already in {self.path}") from None
            pk = cursor.lastrowid
            assert pk is not None
            store_result(conn, pk, blobs.prepare("result_json", run.result_json))
            conn.executemany(
                f"INSERT INTO units (run, {_UNIT_READ}) VALUES (?{', ?' * 15})",
                [_unit_row(conn, pk, u) for u in units],
            )
            conn.executemany(
                f"INSERT INTO calls (run, {_CALL_READ}) VALUES (?{', ?' * 14})",
                [_call_row(conn, pk, c) for c in calls],
            )
            conn.executemany(
                "INSERT INTO events (run, seq, kind, payload_json, at) VALUES (?, ?, ?, ?, ?)",
                [_row(pk, e) for e in events],
            )


def _row(pk: int | None, record: UnitRecord | CallRecord | EventRecord) -> tuple[Any, ...]:
    """The record's fields in column order, with its run id replaced by this database's run key."""
    return (pk, *(getattr(record, f.name) for f in fields(record) if f.name != "run_id"))


def _unit_row(conn: sqlite3.Connection, pk: int, unit: UnitRecord) -> tuple[Any, ...]:
    """An imported unit's row: its output stored as `blobs` does for a written one."""
    output, refs = blobs.store(conn, pk, blobs.prepare("output_json", unit.output_json))
    return (*_row(pk, replace(unit, output_json=output)), refs)


def _call_row(conn: sqlite3.Connection, pk: int, call: CallRecord) -> tuple[Any, ...]:
    request, request_refs = blobs.store(conn, pk, blobs.prepare("request_json", call.request_json))
    response, response_refs = blobs.store(conn, pk, blobs.prepare("response_json", call.response_json))
    assert request is not None
    return (*_row(pk, replace(call, request_json=request, response_json=response)), request_refs, response_refs)


def _unit_record(db: Database, run_id: str, row: Sequence[Any]) -> UnitRecord:
    """A unit read back: `row` is `_UNIT_READ`, its output rebuilt from the envelope and its refs."""
    unit = UnitRecord(run_id, *row[:-1])
    if row[-1] is None:
        return unit
    with db.reading() as conn:
        return replace(unit, output_json=blobs.load(conn, unit.output_json, row[-1]))


def _call_record(db: Database, run_id: str, row: Sequence[Any]) -> CallRecord:
    call = CallRecord(run_id, *row[:-2])
    request_refs, response_refs = row[-2], row[-1]
    if request_refs is None and response_refs is None:
        return call
    with db.reading() as conn:
        request = blobs.load(conn, call.request_json, request_refs)
        response = blobs.load(conn, call.response_json, response_refs)
    assert request is not None
    return replace(call, request_json=request, response_json=response)
