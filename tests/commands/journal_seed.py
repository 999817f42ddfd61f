"""Runs written straight into a real SQLite journal through its public API, for the commands that read them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from aixgo_cli.store.records import RunRecord
from aixgo_cli.store.sqlite_journal import SqliteJournal


@dataclass(frozen=True)
class Step:
    place: str
    output: object = None
    error: str | None = None
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    duration_ms: int = 100
    finished: bool = True


def seed_run(
    db: Path, workflow: str, steps: list[Step], *, status: str = "completed", created_at: float | None = None
) -> str:
    with SqliteJournal(db) as journal:
        run = RunRecord.start(
            workflow_name=workflow,
            workflow_path=f"{workflow}.yaml",
            workflow_hash="h",
            params_json="{}",
            now=created_at,
        )
        journal.create_run(run)
        for index, step in enumerate(steps):
            key = f"{step.place}#def{index}.in{index}"
            journal.start_unit(
                run.run_id, key, place=step.place, input_hash=f"in{index}", definition_hash=f"def{index}"
            )
            if not step.finished:
                continue
            tokens_in, tokens_out, cost = step.tokens_in, step.tokens_out, step.cost_usd
            if step.error is not None:
                journal.fail_unit(
                    run.run_id,
                    key,
                    step.error,
                    tokens_in=tokens_in,
                    tokens_out=tokens_out,
                    cost_usd=cost,
                    duration_ms=step.duration_ms,
                )
            else:
                journal.complete_unit(
                    run.run_id,
                    key,
                    json.dumps(step.output),
                    tokens_in=tokens_in,
                    tokens_out=tokens_out,
                    cost_usd=cost,
                    duration_ms=step.duration_ms,
                )
        journal.update_run(run.run_id, status=status)  # type: ignore[arg-type]
        return run.run_id
