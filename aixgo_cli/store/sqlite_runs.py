"""Runs and leases in the SQLite journal, and the run-id to integer-key mapping the hot path relies on.

Child rows reference a run by its integer key. A handle caches run id -> key after the first lookup, so
a step's writes do no extra run lookup. The cache cannot go stale silently: keys are never reused
(AUTOINCREMENT), an insert under a run deleted by another process fails its foreign key, and an update
that matches nothing re-checks the run before blaming the caller. Either way the caller gets the same
`UserError` as for an id that never existed.

The lease lives on the run's row: taking it is one conditional UPDATE in a write transaction, so two
processes racing for a run are serialised by SQLite's write lock and exactly one of them wins. A handle
that took a lease fences its later writes for that run on it (see `leases`): the check runs inside the
same transaction as the write, so no write can land after another process took the run.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import astuple, replace

from aixgo_cli.store import blobs, rules
from aixgo_cli.store.leases import lease_lost
from aixgo_cli.store.records import (
    RUN_STATUSES,
    Keep,
    Lease,
    RunRecord,
    RunStatus,
    check_choice,
    check_json,
    journal_damaged,
)
from aixgo_cli.store.sqlite_db import Database

RUN_COLUMNS = (
    "run_id, workflow_name, workflow_path, workflow_hash, status, created_at, updated_at, "
    "params_json, result_json, error, tokens_in, tokens_out, cost_usd, steps"
)
# The record's columns, the refs of its result (see `blobs`) and the number of its stored result items.
_RUN_READ = f"{RUN_COLUMNS}, result_refs, result_items, id"
_NEWEST_FIRST = "ORDER BY created_at DESC, id DESC"


class SqliteRuns:
    def __init__(self, db: Database, clock: Callable[[], float]) -> None:
        self._db = db
        self._clock = clock
        self._keys: dict[str, int] = {}
        self._held: dict[str, str] = {}  # run id -> the lease token this handle took: its writes are fenced

    # The run key --------------------------------------------------------------------------------------

    def _pk(self, run_id: str) -> int:
        key = self._keys.get(run_id)
        if key is None:
            rows = self._db.query("SELECT id FROM runs WHERE run_id = ?", (run_id,))
            if not rows:
                raise rules.no_such_run(run_id)
            key = self._keys[run_id] = int(rows[0][0])
        return key

    def _gone(self, conn: sqlite3.Connection, run_id: str, run: int) -> bool:
        """True (and the cache entry dropped) if the run was deleted under this handle."""
        if conn.execute("SELECT 1 FROM runs WHERE id = ?", (run,)).fetchone():
            return False
        self._keys.pop(run_id, None)
        return True

    @contextmanager
    def _write(self, run_id: str, *, fenced: bool = True) -> Iterator[tuple[sqlite3.Connection, int]]:
        """A write transaction for rows under `run_id`, yielding (connection, run key).

        `fenced`: if this handle took the run's lease, refuse (`LeaseLost`) when another owner holds it now.
        """
        run = self._pk(run_id)
        try:
            with self._db.write() as conn:
                token = self._held.get(run_id) if fenced else None
                if token is not None:
                    _fence(conn, run_id, run, token)
                yield conn, run
        except sqlite3.IntegrityError as exc:
            if "FOREIGN KEY" not in str(exc):
                raise
            self._keys.pop(run_id, None)
            raise rules.no_such_run(run_id) from None
        except ValueError:
            # An update that matched nothing: blame a vanished run before blaming the caller.
            if run_id in self._keys and not self.get_run(run_id):
                self._keys.pop(run_id, None)
                raise rules.no_such_run(run_id) from None
            raise

    # Runs -------------------------------------------------------------------------------------------

    def create_run(self, run: RunRecord) -> None:
        check_choice("status", run.status, RUN_STATUSES)
        check_json("params_json", run.params_json)
        result = blobs.prepare("result_json", run.result_json)
        if not run.run_id:
            raise ValueError("a run needs an id")
        with self._db.write() as conn:
            try:
                cursor = conn.execute(f"INSERT INTO runs ({RUN_COLUMNS}) VALUES ({', '.join('?' * 14)})", astuple(run))
            except sqlite3.IntegrityError:
                raise ValueError(f"a run with id {run.run_id} already exists") from None
            if cursor.lastrowid is not None:
                self._keys[run.run_id] = cursor.lastrowid
                store_result(conn, cursor.lastrowid, result)

    def _runs(self, where: str, params: tuple[object, ...]) -> list[RunRecord]:
        with self._db.reading() as conn:
            rows = conn.execute(f"SELECT {_RUN_READ} FROM runs {where}", params).fetchall()
            return [run_record(conn, row) for row in rows]

    def get_run(self, run_id: str) -> RunRecord | None:
        rows = self._runs("WHERE run_id = ?", (run_id,))
        return rows[0] if rows else None

    def find_run(self, prefix: str) -> RunRecord:
        prefix = rules.check_prefix(prefix)
        exact = self.get_run(prefix)
        if exact is not None:
            return exact
        rows = self._runs(
            "WHERE run_id >= ? AND run_id < ? ORDER BY run_id LIMIT ?",
            (prefix, prefix + "\U0010ffff", rules.FIND_LIMIT + 1),
        )
        return rules.pick_one(prefix, rows)

    def list_runs(self, limit: int = 50, status: RunStatus | None = None) -> list[RunRecord]:
        limit = max(limit, 0)  # SQLite reads a negative LIMIT as "no limit"
        if status is None:
            return self._runs(f"{_NEWEST_FIRST} LIMIT ?", (limit,))
        check_choice("status", status, RUN_STATUSES)
        return self._runs(f"WHERE status = ? {_NEWEST_FIRST} LIMIT ?", (status, limit))

    def update_run(
        self,
        run_id: str,
        *,
        status: RunStatus | None = None,
        result_json: str | Keep | None = Keep.KEEP,
        error: str | Keep | None = Keep.KEEP,
        tokens_in: int | None = None,
        tokens_out: int | None = None,
        cost_usd: float | None = None,
        steps: int | None = None,
        params_json: str | None = None,
        result_items: int | None = None,
    ) -> None:
        changes: dict[str, object] = {}
        if status is not None:
            check_choice("status", status, RUN_STATUSES)
            changes["status"] = status
        rules.check_result_items(result_json, result_items)
        result = None if result_json is Keep.KEEP else blobs.prepare("result_json", result_json)
        if error is not Keep.KEEP:
            changes["error"] = error
        if params_json is not None:
            check_json("params_json", params_json)
            changes["params_json"] = params_json
        totals = {"tokens_in": tokens_in, "tokens_out": tokens_out, "cost_usd": cost_usd, "steps": steps}
        changes.update({name: value for name, value in totals.items() if value is not None})
        with self._write(run_id) as (conn, run):
            if result_json is not Keep.KEEP:
                changes["result_json"], changes["result_refs"] = blobs.store(conn, run, result)
                result = None  # its strings are stored: let them go before the next statement
                changes["result_items"] = None
                conn.execute("DELETE FROM result_items WHERE run = ?", (run,))
            elif result_items is not None:
                changes.update(result_json=None, result_refs=None, result_items=result_items)
                # Items an earlier attempt stored beyond this count (its producer gave more) are not the result.
                conn.execute("DELETE FROM result_items WHERE run = ? AND seq >= ?", (run, result_items))
            changes["updated_at"] = self._clock()
            assignments = ", ".join(f"{name} = ?" for name in changes)
            cursor = conn.execute(f"UPDATE runs SET {assignments} WHERE id = ?", (*changes.values(), run))
            if cursor.rowcount != 1:
                self._keys.pop(run_id, None)
                raise rules.no_such_run(run_id)

    def put_result_items(self, run_id: str, items: Sequence[tuple[int, str]]) -> None:
        prepared = [(rules.check_position(seq), blobs.prepare("result item", text)) for seq, text in items]
        with self._write(run_id) as (conn, run):
            for seq, cut in prepared:
                value, refs = blobs.store(conn, run, cut)
                conn.execute(
                    "INSERT OR REPLACE INTO result_items (run, seq, value_json, value_refs) VALUES (?, ?, ?, ?)",
                    (run, seq, value, refs),
                )

    def result_items(self, run_id: str, start: int = 0, limit: int = 512) -> list[str]:
        run = self._pk(run_id)
        with self._db.reading() as conn:
            return _items(conn, run, start, limit)

    def delete_run(self, run_id: str, *, force: bool = False) -> None:
        with self._write(run_id, fenced=False) as (conn, run):
            lease = self._live_lease(conn, run)
            if lease is not None and not force:
                raise rules.lease_in_use(run_id, lease.owner)
            if conn.execute("DELETE FROM runs WHERE id = ?", (run,)).rowcount != 1:
                self._keys.pop(run_id, None)
                raise rules.no_such_run(run_id)
        self._keys.pop(run_id, None)

    # Leases -----------------------------------------------------------------------------------------

    def _live_lease(self, conn: sqlite3.Connection, run: int) -> Lease | None:
        row = conn.execute("SELECT lease_owner, lease_expires FROM runs WHERE id = ?", (run,)).fetchone()
        if row is None or row[0] is None or row[1] <= self._clock():
            return None
        return Lease(row[0], row[1])

    def _lease_update(self, run_id: str, sql: str, params: tuple[object, ...]) -> bool:
        with self._write(run_id, fenced=False) as (conn, run):
            changed = conn.execute(sql, (*params, run)).rowcount == 1
            if not changed and self._gone(conn, run_id, run):
                raise rules.no_such_run(run_id)
            return changed

    def acquire_lease(self, run_id: str, owner: str, ttl_s: float) -> bool:
        rules.check_ttl(ttl_s)
        now = self._clock()
        taken = self._lease_update(
            run_id,
            "UPDATE runs SET lease_owner = ?, lease_expires = ? WHERE "
            "(lease_owner IS NULL OR lease_owner = ? OR lease_expires <= ?) AND id = ?",
            (owner, now + ttl_s, owner, now),
        )
        if taken:
            self._held[run_id] = owner
        return taken

    def renew_lease(self, run_id: str, owner: str, ttl_s: float) -> bool:
        rules.check_ttl(ttl_s)
        return self._lease_update(
            run_id,
            "UPDATE runs SET lease_expires = ? WHERE lease_owner = ? AND id = ?",
            (self._clock() + ttl_s, owner),
        )

    def release_lease(self, run_id: str, owner: str) -> bool:
        if self._held.get(run_id) == owner:
            del self._held[run_id]
        return self._lease_update(
            run_id,
            "UPDATE runs SET lease_owner = NULL, lease_expires = NULL WHERE lease_owner = ? AND id = ?",
            (owner,),
        )

    def confirm_lease(self, run_id: str) -> None:
        token = self._held.get(run_id)
        if token is None:
            return
        run = self._pk(run_id)
        with self._db.reading() as conn:
            _fence(conn, run_id, run, token)

    def get_lease(self, run_id: str) -> Lease | None:
        run = self._pk(run_id)
        with self._db.read() as conn:
            if self._gone(conn, run_id, run):
                raise rules.no_such_run(run_id)
            return self._live_lease(conn, run)


def _fence(conn: sqlite3.Connection, run_id: str, run: int, token: str) -> None:
    """Refuse (`LeaseLost`) when the run's row names another lease owner than `token`."""
    row = conn.execute("SELECT lease_owner FROM runs WHERE id = ?", (run,)).fetchone()
    if row is not None and row[0] != token:
        raise lease_lost(run_id, row[0])


def run_record(conn: sqlite3.Connection, row: tuple[object, ...]) -> RunRecord:
    """A run read back: `row` is `_RUN_READ`, its result rebuilt from the envelope and its refs, or from
    its stored items (the list a fan-out wrote item by item)."""
    record = RunRecord(*row[:-3])  # type: ignore[arg-type]
    refs, count, run = row[-3:]
    if count is not None:
        wanted = int(str(count))  # SQLite gives an int; the row is typed as objects
        texts = _items(conn, int(str(run)), 0, wanted)
        if len(texts) != wanted:
            raise rules.missing_result_items(record.run_id, len(texts), wanted)
        return replace(record, result_json=rules.list_text(texts))
    if refs is None:
        return record
    return replace(record, result_json=blobs.load(conn, record.result_json, str(refs)))


def _items(conn: sqlite3.Connection, run: int, start: int, limit: int) -> list[str]:
    """Stored result items from `start`, in order; a gap in the positions is a damaged journal."""
    rows = conn.execute(
        "SELECT seq, value_json, value_refs FROM result_items WHERE run = ? AND seq >= ? ORDER BY seq LIMIT ?",
        (run, start, limit),
    ).fetchall()
    texts: list[str] = []
    for expected, (seq, value, refs) in enumerate(rows, start=start):
        if seq != expected:
            raise journal_damaged(f"result item {expected} is missing")
        texts.append(str(blobs.load(conn, value, refs)))
    return texts


def store_result(conn: sqlite3.Connection, run: int, result: blobs.Cut | None) -> None:
    """Move the long strings of a just inserted run's result to `blobs` (they need the run's key)."""
    envelope, refs = blobs.store(conn, run, result)
    if refs is not None:
        conn.execute("UPDATE runs SET result_json = ?, result_refs = ? WHERE id = ?", (envelope, refs, run))
