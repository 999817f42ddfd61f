"""The journal contract's helpers: a manual clock and a `Store` bundling a journal under test.

A `Store` gives the journal under test, a second handle on the same data (`twin()`: for SQLite a new
connection to the same file, as a second process would have; for memory the same object) and a manual
clock, so lease expiry and durations are tested by moving time rather than by sleeping.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aixgo_cli.store.protocol import Journal
from aixgo_cli.store.records import RunRecord


class FakeClock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Store:
    kind: str
    journal: Journal
    clock: FakeClock
    twin: Callable[[], Journal]

    def new_run(self, **overrides: Any) -> RunRecord:
        """Create and return a running run stamped with the fake clock."""
        run = RunRecord.start(
            workflow_name="triage",
            workflow_path="/work/triage.yaml",
            workflow_hash="wf-hash",
            params_json='{"input": "hello"}',
            now=self.clock(),
        )
        run = dataclasses.replace(run, **overrides)
        self.journal.create_run(run)
        return run

    def start(self, run_id: str, unit_key: str) -> int:
        return self.journal.start_unit(
            run_id, unit_key, place=f"flow/{unit_key}", input_hash="in-" + unit_key, definition_hash="def"
        )


def read(store: Store, run_id: str) -> RunRecord:
    """The run as the journal under test reads it back (it must exist)."""
    run = store.journal.get_run(run_id)
    assert run is not None
    return run
