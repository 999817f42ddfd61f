"""An in-memory journal that behaves exactly like the SQLite one, for fast engine tests.

It passes the same contract suite as `SqliteJournal`: same validation, same errors, same orderings,
same lease rules, same accumulation of usage across attempts. Its "transactions" are a lock plus a
rule: every check runs before the first change, so an operation that raises leaves nothing behind.
It holds records by reference only inside one process; two `MemoryJournal` objects share nothing.

`export_run` writes a real SQLite journal (through `SqliteJournal`, the same code the SQLite journal
uses), so a test run in memory can still produce an artifact that `aixgo resume --db` opens.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from aixgo_cli.store import rules
from aixgo_cli.store.export import copy_run
from aixgo_cli.store.memory_runs import MemoryRuns, RunState
from aixgo_cli.store.memory_sessions import MemorySessions
from aixgo_cli.store.protocol import EventSpec
from aixgo_cli.store.records import (
    APPROVAL_SUFFIX,
    CALL_KINDS,
    CallKind,
    CallRecord,
    CallStatus,
    EventRecord,
    Spending,
    UnitRecord,
    UnitStatus,
    UsageNotes,
    check_choice,
    check_json,
    spending_of,
    usage_notes_of,
)
from aixgo_cli.store.sqlite_journal import SqliteJournal

_replace = dataclasses.replace


class MemoryJournal(MemoryRuns, MemorySessions):
    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        MemoryRuns.__init__(self, clock)
        MemorySessions.__init__(self)

    # Units ------------------------------------------------------------------------------------------

    def get_completed_unit(self, run_id: str, unit_key: str) -> UnitRecord | None:
        unit = self.get_unit(run_id, unit_key)
        return unit if unit is not None and unit.status == "completed" else None

    def get_unit(self, run_id: str, unit_key: str) -> UnitRecord | None:
        with self._locked():
            return self._run(run_id).units.get(unit_key)

    def start_unit(self, run_id: str, unit_key: str, *, place: str, input_hash: str, definition_hash: str) -> int:
        with self._locked():
            run = self._writable(run_id)
            old = run.units.get(unit_key)
            unit = UnitRecord(
                run_id, unit_key, place, "started", input_hash, definition_hash, None, None,
                attempt=old.attempt + 1 if old else 1,
                tokens_in=old.tokens_in if old else 0,
                tokens_out=old.tokens_out if old else 0,
                cost_usd=old.cost_usd if old else 0.0,
                started_at=self._clock(), finished_at=None, duration_ms=None,
            )  # fmt: skip
            run.units[unit_key] = unit
            return unit.attempt

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
        check_json("output_json", output_json)
        with self._locked():
            run = self._writable(run_id)
            unit = run.units.get(unit_key)
            if unit is None or unit.status != "started":
                raise rules.not_started("unit", unit_key, unit.status if unit else None)
            for kind, payload_json in events:
                rules.check_event(kind, payload_json)
            now = self._clock()
            run.units[unit_key] = _replace(
                unit,
                status=status,
                output_json=output_json,
                error=error,
                tokens_in=unit.tokens_in + usage[0],
                tokens_out=unit.tokens_out + usage[1],
                cost_usd=unit.cost_usd + usage[2],
                finished_at=now,
                duration_ms=rules.elapsed_ms(unit.started_at, now) if duration_ms is None else duration_ms,
            )
            self._append(run, run_id, events, now)

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
        with self._locked():
            return list(self._run(run_id).units.values())

    def usage_notes(self, run_id: str) -> UsageNotes:
        with self._locked():
            calls = [c for c in self._run(run_id).calls.values() if c.kind == "llm" and c.status == "completed"]
        notes = [usage_notes_of(c.response_json) for c in calls]
        return UsageNotes(any(n.cost_unknown for n in notes), any(n.tokens_estimated for n in notes))

    def spent(self, run_id: str) -> Spending:
        with self._locked():
            run = self._run(run_id)
            calls, units = list(run.calls.values()), len(run.units)
        return spending_of(calls, units)

    def pending_answers(self, run_id: str) -> list[str]:
        with self._locked():
            calls = list(self._run(run_id).calls.values())
        return [c.call_key for c in calls if c.status == "intent" and c.call_key.endswith(APPROVAL_SUFFIX)]

    # Calls ------------------------------------------------------------------------------------------

    def record_call_intent(self, run_id: str, unit_key: str, call_key: str, kind: CallKind, request_json: str) -> None:
        check_choice("kind", kind, CALL_KINDS)
        check_json("request_json", request_json)
        with self._locked():
            run = self._writable(run_id)
            old = run.calls.get(call_key)
            if old is not None and old.status == "completed":
                raise ValueError(f"call {call_key!r} already completed; use its recorded response")
            run.calls[call_key] = CallRecord(
                run_id, call_key, unit_key, kind, "intent", request_json, None, None,
                tokens_in=old.tokens_in if old else 0,
                tokens_out=old.tokens_out if old else 0,
                cost_usd=old.cost_usd if old else 0.0,
                started_at=self._clock(), finished_at=None,
            )  # fmt: skip

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
        check_json("response_json", response_json)
        with self._locked():
            run = self._writable(run_id)
            call = run.calls.get(call_key)
            if call is None or call.status != "intent":
                raise rules.not_started("call", call_key, call.status if call else None)
            run.calls[call_key] = _replace(
                call,
                status=status,
                response_json=response_json,
                error=error,
                tokens_in=call.tokens_in + usage[0],
                tokens_out=call.tokens_out + usage[1],
                cost_usd=call.cost_usd + usage[2],
                finished_at=self._clock(),
            )

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
        with self._locked():
            return self._run(run_id).calls.get(call_key)

    def list_calls(self, run_id: str, *, unit_key: str | None = None) -> list[CallRecord]:
        with self._locked():
            calls = list(self._run(run_id).calls.values())
        return [c for c in calls if unit_key is None or c.unit_key == unit_key]

    # Events -----------------------------------------------------------------------------------------

    @staticmethod
    def _append(run: RunState, run_id: str, events: Sequence[EventSpec], now: float) -> int:
        seq = len(run.events)
        for kind, payload_json in events:
            seq += 1
            run.events.append(EventRecord(run_id, seq, kind, payload_json, now))
        return seq

    def append_event(self, run_id: str, kind: str, payload_json: str) -> int:
        rules.check_event(kind, payload_json)
        with self._locked():
            return self._append(self._writable(run_id), run_id, ((kind, payload_json),), self._clock())

    def list_events(self, run_id: str, *, after_seq: int = 0) -> list[EventRecord]:
        with self._locked():
            events = self._run(run_id).events
            return events[max(after_seq, 0) :]

    # Whole run --------------------------------------------------------------------------------------

    def export_run(self, run_id: str, dest: Path) -> None:
        with self._locked():  # one snapshot, as in SQLite
            copy_run(self, run_id, dest, SqliteJournal)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._runs.clear()

    def __enter__(self) -> MemoryJournal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
