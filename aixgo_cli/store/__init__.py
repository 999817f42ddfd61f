"""The run journal: records, the `Journal` protocol, a SQLite implementation and an in-memory twin.

Only the records and the protocol are re-exported here, so importing this package stays cheap; the
composition root imports `sqlite_journal.SqliteJournal` (or `memory_journal.MemoryJournal`) itself.
"""

from __future__ import annotations

from aixgo_cli.store.protocol import EventSpec, Journal
from aixgo_cli.store.records import (
    KEEP,
    CallRecord,
    EventRecord,
    Keep,
    Lease,
    RunRecord,
    RunStatus,
    Totals,
    UnitRecord,
    new_run_id,
)

__all__ = [
    "KEEP",
    "CallRecord",
    "EventRecord",
    "EventSpec",
    "Journal",
    "Keep",
    "Lease",
    "RunRecord",
    "RunStatus",
    "Totals",
    "UnitRecord",
    "new_run_id",
]
