"""Runs and leases of the in-memory journal (the SQLite twin of this is `sqlite_runs`).

Each run keeps its units, calls and events beside it, so deleting a run deletes everything under it,
as the SQLite foreign keys do. The lock is re-entrant because `export_run` reads through the public
methods while holding it, to copy one consistent snapshot.
"""

from __future__ import annotations

import dataclasses
import itertools
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from aixgo_cli.store import rules
from aixgo_cli.store.leases import lease_lost
from aixgo_cli.store.records import (
    RUN_STATUSES,
    CallRecord,
    EventRecord,
    Keep,
    Lease,
    RunRecord,
    RunStatus,
    Totals,
    UnitRecord,
    check_choice,
    check_json,
)

_replace = dataclasses.replace


@dataclass
class RunState:
    record: RunRecord
    order: int
    lease: Lease | None = None
    units: dict[str, UnitRecord] = field(default_factory=dict)  # insertion order = first started
    calls: dict[str, CallRecord] = field(default_factory=dict)
    events: list[EventRecord] = field(default_factory=list)
    items: dict[int, str] = field(default_factory=dict)  # position -> JSON text of the run's list result


class MemoryRuns:
    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._runs: dict[str, RunState] = {}
        self._order = itertools.count()
        self._lock = threading.RLock()
        self._closed = False
        self._held: dict[str, str] = {}  # run id -> the lease token taken through this handle (fencing)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        with self._lock:
            if self._closed:
                raise ValueError("the in-memory journal is closed")
            yield

    def _run(self, run_id: str) -> RunState:
        try:
            return self._runs[run_id]
        except KeyError:
            raise rules.no_such_run(run_id) from None

    def _writable(self, run_id: str) -> RunState:
        """The run, for a write: refused (`LeaseLost`) if this handle's lease on it was taken by another."""
        run = self._run(run_id)
        token = self._held.get(run_id)
        if token is not None:
            holder = run.lease.owner if run.lease is not None else None
            if holder != token:
                raise lease_lost(run_id, holder)
        return run

    # Runs -------------------------------------------------------------------------------------------

    def create_run(self, run: RunRecord) -> None:
        check_choice("status", run.status, RUN_STATUSES)
        check_json("params_json", run.params_json)
        check_json("result_json", run.result_json)
        if not run.run_id:
            raise ValueError("a run needs an id")
        with self._locked():
            if run.run_id in self._runs:
                raise ValueError(f"a run with id {run.run_id} already exists")
            self._runs[run.run_id] = RunState(run, next(self._order))

    def get_run(self, run_id: str) -> RunRecord | None:
        with self._locked():
            found = self._runs.get(run_id)
            return found.record if found else None

    def find_run(self, prefix: str) -> RunRecord:
        prefix = rules.check_prefix(prefix)
        with self._locked():
            if prefix in self._runs:
                return self._runs[prefix].record
            ids = sorted(run_id for run_id in self._runs if run_id.startswith(prefix))
            matches = [self._runs[run_id].record for run_id in ids[: rules.FIND_LIMIT + 1]]
        return rules.pick_one(prefix, matches)

    def list_runs(self, limit: int = 50, status: RunStatus | None = None) -> list[RunRecord]:
        if status is not None:
            check_choice("status", status, RUN_STATUSES)
        with self._locked():
            runs = [r for r in self._runs.values() if status is None or r.record.status == status]
        runs.sort(key=lambda r: (r.record.created_at, r.order), reverse=True)
        return [r.record for r in runs[: max(limit, 0)]]

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
        if status is not None:
            check_choice("status", status, RUN_STATUSES)
        rules.check_result_items(result_json, result_items)
        if result_json is not Keep.KEEP:
            check_json("result_json", result_json)
        if params_json is not None:
            check_json("params_json", params_json)
        with self._locked():
            run = self._writable(run_id)
            old = run.record
            if result_json is not Keep.KEEP:
                run.items.clear()
            elif result_items is not None:
                for seq in [seq for seq in run.items if seq >= result_items]:
                    del run.items[seq]
                if len(run.items) != result_items:  # positions 0..N-1 only, after the drop above
                    raise rules.missing_result_items(run_id, len(run.items), result_items)
                result_json = rules.list_text([run.items[seq] for seq in range(result_items)])
            run.record = _replace(
                old,
                status=old.status if status is None else status,
                result_json=old.result_json if result_json is Keep.KEEP else result_json,
                error=old.error if error is Keep.KEEP else error,
                params_json=old.params_json if params_json is None else params_json,
                tokens_in=old.tokens_in if tokens_in is None else tokens_in,
                tokens_out=old.tokens_out if tokens_out is None else tokens_out,
                cost_usd=old.cost_usd if cost_usd is None else cost_usd,
                steps=old.steps if steps is None else steps,
                updated_at=self._clock(),
            )

    def put_result_items(self, run_id: str, items: Sequence[tuple[int, str]]) -> None:
        for seq, text in items:
            rules.check_position(seq)
            check_json("result item", text)
        with self._locked():
            self._writable(run_id).items.update(items)

    def result_items(self, run_id: str, start: int = 0, limit: int = 512) -> list[str]:
        with self._locked():
            items = self._run(run_id).items
            texts: list[str] = []
            for seq in range(start, start + limit):
                if seq not in items:
                    break
                texts.append(items[seq])
            return texts

    def delete_run(self, run_id: str, *, force: bool = False) -> None:
        with self._locked():
            lease = self._live_lease(self._run(run_id))
            if lease is not None and not force:
                raise rules.lease_in_use(run_id, lease.owner)
            del self._runs[run_id]

    def tally_units(self, run_id: str) -> Totals:
        with self._locked():
            units = list(self._run(run_id).units.values())
        return Totals(
            tokens_in=sum(u.tokens_in for u in units),
            tokens_out=sum(u.tokens_out for u in units),
            cost_usd=float(sum(u.cost_usd for u in units)),
            steps=sum(1 for u in units if u.status == "completed"),
        )

    # Leases -----------------------------------------------------------------------------------------

    def _live_lease(self, run: RunState) -> Lease | None:
        if run.lease is None or run.lease.expires_at <= self._clock():
            return None
        return run.lease

    def acquire_lease(self, run_id: str, owner: str, ttl_s: float) -> bool:
        rules.check_ttl(ttl_s)
        now = self._clock()
        with self._locked():
            run = self._run(run_id)
            held = run.lease
            if held is not None and held.owner != owner and held.expires_at > now:
                return False
            run.lease = Lease(owner, now + ttl_s)
            self._held[run_id] = owner
            return True

    def renew_lease(self, run_id: str, owner: str, ttl_s: float) -> bool:
        rules.check_ttl(ttl_s)
        with self._locked():
            run = self._run(run_id)
            if run.lease is None or run.lease.owner != owner:
                return False
            run.lease = Lease(owner, self._clock() + ttl_s)
            return True

    def release_lease(self, run_id: str, owner: str) -> bool:
        with self._locked():
            run = self._run(run_id)
            if self._held.get(run_id) == owner:
                del self._held[run_id]
            if run.lease is None or run.lease.owner != owner:
                return False
            run.lease = None
            return True

    def confirm_lease(self, run_id: str) -> None:
        with self._locked():
            self._writable(run_id)

    def get_lease(self, run_id: str) -> Lease | None:
        with self._locked():
            return self._live_lease(self._run(run_id))
