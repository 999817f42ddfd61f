"""The journal contract the engine depends on (SPEC §4), independent of where the journal lives.

The engine walks a flow using the journal as a memo: a unit whose key has a completed record returns
that record instead of running. For that to survive a process killed at any instant, every write below
is exactly one transaction, and the operations are shaped so that the engine never needs two of them
to be atomic together: an LLM or tool call is an intent (before) and a result (after); a unit's result
and the events it produced go in together through `complete_unit(..., events=...)`.

Two implementations pass one contract suite (tests/store/test_journal_contract.py): `SqliteJournal`
for real runs and `MemoryJournal` for fast tests.

Error conventions: an unknown or ambiguous run id raises `UserError` (the user typed it, or another
process deleted it); misuse by the caller (completing a unit never started, non-JSON payload, an unknown
status) raises `ValueError`/`TypeError`, because that is a bug in aixgo, not in the workflow.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from aixgo_cli.store.records import (
    CallKind,
    CallRecord,
    EventRecord,
    Keep,
    Lease,
    RunRecord,
    RunStatus,
    Spending,
    Totals,
    UnitRecord,
    UsageNotes,
)
from aixgo_cli.store.sessions import SessionInfo, SessionMessage, Turn

EventSpec = tuple[str, str]
"""An event to append: (kind, payload_json)."""


class Journal(Protocol):
    # Runs -----------------------------------------------------------------------------------------

    def create_run(self, run: RunRecord) -> None:
        """Record a new run. A duplicate run id is a `ValueError`."""

    def get_run(self, run_id: str) -> RunRecord | None:
        """The run with exactly this id, or None."""

    def find_run(self, prefix: str) -> RunRecord:
        """The one run whose id starts with `prefix`; `UserError` if none or several (listing them)."""

    def list_runs(self, limit: int = 50, status: RunStatus | None = None) -> list[RunRecord]:
        """Newest first."""

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
        """Set the given fields (None / KEEP leaves a field as it is) and stamp `updated_at` (`get_run`
        reads the record back: a run's result can be large, and the writer has no use for a copy of it).

        `params_json` replaces the parameters a run continues with (new limits given to `resume`).
        `result_items=N`: the run's result is the list of its stored items 0..N-1 (`put_result_items`);
        items from N on are dropped, and the record reads its `result_json` as that list. A `result_json`
        given instead drops every stored item. Not both."""

    def put_result_items(self, run_id: str, items: Sequence[tuple[int, str]]) -> None:
        """Store (position, JSON text) items of the run's list result, replacing any stored at those
        positions, in one transaction: a fan-out writes its lanes' results as they finish, so the driver
        never holds the whole list."""

    def result_items(self, run_id: str, start: int = 0, limit: int = 512) -> list[str]:
        """Up to `limit` stored items (JSON texts) from position `start`, in position order."""

    def delete_run(self, run_id: str, *, force: bool = False) -> None:
        """Delete a run and everything recorded under it. A run with a live lease needs `force`."""

    def tally_units(self, run_id: str) -> Totals:
        """Usage summed over the run's units, and the number completed: totals rebuilt from the memo."""

    def usage_notes(self, run_id: str) -> UsageNotes:
        """Whether any completed model call of the run had an unknown price or estimated token counts."""

    def spent(self, run_id: str) -> Spending:
        """Usage summed over the run's completed calls, its units counted, and the models whose price or
        token counts were unknown: what a resumed run has already spent. One query in a database."""

    def pending_answers(self, run_id: str) -> list[str]:
        """The call keys of the questions put to the user (`APPROVAL_SUFFIX`) still waiting for an answer,
        oldest first."""

    # Lease: one driver per run ----------------------------------------------------------------------

    def acquire_lease(self, run_id: str, owner: str, ttl_s: float) -> bool:
        """Take the lease if it is free, expired or already `owner`'s; True if `owner` now holds it."""

    def renew_lease(self, run_id: str, owner: str, ttl_s: float) -> bool:
        """Extend `owner`'s lease; False if `owner` no longer holds it (it expired and was taken)."""

    def release_lease(self, run_id: str, owner: str) -> bool:
        """Drop the lease if `owner` holds it; True if it was released."""

    def get_lease(self, run_id: str) -> Lease | None:
        """The live lease, or None if the run is free (never leased, released, or expired)."""

    def confirm_lease(self, run_id: str) -> None:
        """Raise `LeaseLost` if this handle took the run's lease and another owner holds it now; nothing
        if it still holds it or never took it. A read: what a driver asks just before a request leaves."""

    # Units: the memo --------------------------------------------------------------------------------

    def get_completed_unit(self, run_id: str, unit_key: str) -> UnitRecord | None: ...

    def get_unit(self, run_id: str, unit_key: str) -> UnitRecord | None:
        """The unit in any status."""

    def start_unit(self, run_id: str, unit_key: str, *, place: str, input_hash: str, definition_hash: str) -> int:
        """Mark a unit started and return its attempt number (1 the first time, +1 on every restart).

        Restarting a failed, interrupted or completed unit clears its previous result.
        """

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
        """Record a started unit's result and append `events`, in one transaction.

        `duration_ms` defaults to the wall-clock time since `start_unit`.
        """

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
        """Record a started unit's failure and append `events`, in one transaction."""

    def list_units(self, run_id: str) -> list[UnitRecord]:
        """In the order the units were first started."""

    # Calls: intent before, result after -------------------------------------------------------------

    def record_call_intent(self, run_id: str, unit_key: str, call_key: str, kind: CallKind, request_json: str) -> None:
        """Write the intent before making a call. Replaces an earlier intent or failure of the same key;
        a completed call is a `ValueError` (its recorded response must be used instead)."""

    def complete_call(
        self,
        run_id: str,
        call_key: str,
        response_json: str,
        *,
        tokens_in: int = 0,
        tokens_out: int = 0,
        cost_usd: float = 0.0,
    ) -> None: ...

    def fail_call(
        self,
        run_id: str,
        call_key: str,
        error: str,
        *,
        tokens_in: int = 0,
        tokens_out: int = 0,
        cost_usd: float = 0.0,
    ) -> None: ...

    def get_call(self, run_id: str, call_key: str) -> CallRecord | None: ...

    def list_calls(self, run_id: str, *, unit_key: str | None = None) -> list[CallRecord]:
        """In the order the calls were first recorded."""

    # Events -----------------------------------------------------------------------------------------

    def append_event(self, run_id: str, kind: str, payload_json: str) -> int:
        """Append one event; returns its `seq` (1, 2, 3, ... within the run)."""

    def list_events(self, run_id: str, *, after_seq: int = 0) -> list[EventRecord]: ...

    # Sessions (store/sessions.py) --------------------------------------------------------------------

    def session_mark(self, name: str) -> int:
        """The highest message number of the session (0 when it has none)."""

    def session_history(self, name: str, agent: str, *, upto: int, limit: int) -> list[SessionMessage]:
        """The agent's last `limit` messages numbered at most `upto`, oldest first."""

    def append_session(self, name: str, workflow_name: str, run_id: str, turns: Sequence[Turn], *, keep: int) -> None:
        """Append a completed run's turns (once per run), keeping each agent's last `keep` messages."""

    def list_sessions(self) -> list[SessionInfo]:
        """Most recently updated first."""

    def session_messages(self, name: str) -> list[SessionMessage]: ...

    def delete_session(self, name: str) -> bool:
        """False when there was no such session."""

    # Whole run --------------------------------------------------------------------------------------

    def export_run(self, run_id: str, dest: Path) -> None:
        """Write a new standalone SQLite journal at `dest` holding only this run (without its lease).

        `dest` must not exist. The file opens with `SqliteJournal(dest)` and `aixgo resume --db`.
        """

    def close(self) -> None: ...
