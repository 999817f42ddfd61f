"""What the runs page shows, read from the journal: plain frozen values, so rendering touches no database.

Every read opens the journal read-only and closes it again. The page is served by an event loop while other
processes (the runs themselves) write the file, so a short-lived read-only connection per request is what
keeps the page from ever holding a lock or creating a file, and lets it run in any worker thread (a SQLite
connection belongs to the thread that opened it).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import cast, get_args

from aixgo_cli.errors import UserError
from aixgo_cli.store.leases import RunView, observe
from aixgo_cli.store.protocol import Journal
from aixgo_cli.store.records import RUN_STATUSES, RunRecord, RunStatus, UnitRecord, usage_notes_of
from aixgo_cli.wiring import open_journal

LIST_LIMIT = 200  # runs shown on the list page, newest first
ENDED = ("completed", "failed")  # no driver will write to the run again unless it is resumed


@dataclass(frozen=True)
class StepView:
    place: str
    status: str
    attempt: int
    started_at: float
    finished_at: float | None
    duration_ms: int | None
    tokens: int
    cost_usd: float
    cost_unknown: bool
    llm_calls: int
    latency_ms: int | None  # time spent waiting for model answers, summed over the step's calls
    output_json: str | None
    error: str | None


@dataclass(frozen=True)
class RunDetail:
    view: RunView
    steps: tuple[StepView, ...]
    agent_statuses: dict[str, str]
    version: str  # changes whenever the run's row or any step changes (see `run_version`)

    @property
    def run(self) -> RunRecord:
        return self.view.run


def parse_status(text: str | None) -> RunStatus | None:
    """The status filter of the list page; ValueError names the valid ones."""
    if not text:
        return None
    for status in get_args(RunStatus):
        if status == text:
            return cast(RunStatus, status)
    raise ValueError(f"{text!r} is not a run status; use one of: {', '.join(RUN_STATUSES)}")


def list_runs(journal_path: Path, status: RunStatus | None) -> list[RunView]:
    if not journal_path.exists():
        return []  # no run recorded yet; reading creates nothing
    with open_journal(journal_path, read_only=True) as journal:
        return [observe(journal, run) for run in journal.list_runs(limit=LIST_LIMIT, status=status)]


class RunNotFound(Exception):
    """No run, or several, match the id asked for (the message says which)."""


def run_detail(journal_path: Path, run_id: str) -> RunDetail:
    """One run with its steps. `RunNotFound` when no run (or several) matches `run_id`; a journal that cannot
    be read raises the journal's own error."""
    if not journal_path.exists():
        raise RunNotFound(f"no run id starts with {run_id!r}")
    with open_journal(journal_path, read_only=True) as journal:
        run = _find(journal, run_id)
        view = observe(journal, run)
        units = journal.list_units(run.run_id)
        calls = journal.list_calls(run.run_id)
    calls_of: dict[str, int] = {}
    latency_of: dict[str, int] = {}
    unknown_cost: set[str] = set()
    for call in calls:
        if call.kind != "llm" or call.status != "completed":
            continue
        calls_of[call.unit_key] = calls_of.get(call.unit_key, 0) + 1
        if call.finished_at is not None:
            waited = int((call.finished_at - call.started_at) * 1000)
            latency_of[call.unit_key] = latency_of.get(call.unit_key, 0) + waited
        if usage_notes_of(call.response_json).cost_unknown:
            unknown_cost.add(call.unit_key)
    steps = tuple(_step(unit, calls_of, latency_of, unknown_cost) for unit in units)
    return RunDetail(view, steps, agent_statuses(units), _version(run, units))


def find_run_id(journal_path: Path, run_id: str) -> str:
    """The full id of the one run `run_id` names (an id or a unique prefix); `RunNotFound` otherwise."""
    if not journal_path.exists():
        raise RunNotFound(f"no run id starts with {run_id!r}")
    with open_journal(journal_path, read_only=True) as journal:
        return _find(journal, run_id).run_id


def _find(journal: Journal, run_id: str) -> RunRecord:
    run = journal.get_run(run_id)  # a damaged journal fails here, with its own error
    if run is not None:
        return run
    try:
        return journal.find_run(run_id)  # a unique prefix, as `aixgo runs show` takes
    except UserError as error:
        raise RunNotFound(error.message) from None


def _step(unit: UnitRecord, calls_of: dict[str, int], latency_of: dict[str, int], unknown: set[str]) -> StepView:
    return StepView(
        place=unit.place,
        status=unit.status,
        attempt=unit.attempt,
        started_at=unit.started_at,
        finished_at=unit.finished_at,
        duration_ms=unit.duration_ms,
        tokens=unit.tokens_in + unit.tokens_out,
        cost_usd=unit.cost_usd,
        cost_unknown=unit.unit_key in unknown,
        llm_calls=calls_of.get(unit.unit_key, 0),
        latency_ms=latency_of.get(unit.unit_key),
        output_json=unit.output_json,
        error=unit.error,
    )


def agent_statuses(units: list[UnitRecord]) -> dict[str, str]:
    """Agent name -> completed | failed | running, as `aixgo graph --run` colours it (a unit's place ends
    with its agent; several units per agent when it ran over items)."""
    seen: dict[str, set[str]] = {}
    for unit in units:
        agent = unit.place.rsplit("/", 1)[-1].rsplit(":", 1)[-1]
        seen.setdefault(agent, set()).add(unit.status)
    return {
        agent: "failed" if "failed" in found else "running" if "started" in found else "completed"
        for agent, found in seen.items()
    }


def run_version(journal_path: Path, run_id: str) -> tuple[str, str] | None:
    """(version, status) of a run, or None when it is gone: what the live stream polls."""
    with open_journal(journal_path, read_only=True) as journal:
        run = journal.get_run(run_id)
        if run is None:
            return None
        units = journal.list_units(run_id)
    return _version(run, units), run.status


def _version(run: RunRecord, units: list[UnitRecord]) -> str:
    """A short digest of what the run page shows that can change: the run's row and each step's state."""
    state = (run.status, run.updated_at, run.steps, [(u.unit_key, u.status, u.attempt, u.finished_at) for u in units])
    return hashlib.sha256(repr(state).encode()).hexdigest()[:16]


def duration_s(run: RunRecord, now: float | None = None) -> float:
    """Wall time of the run so far: to its last update once it stopped, to now while it runs."""
    end = (time.time() if now is None else now) if run.status == "running" else run.updated_at
    return max(end - run.created_at, 0.0)
