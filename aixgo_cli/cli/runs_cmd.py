"""`aixgo runs list | show | rm | export | diff | prune`: the run history in the journal."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from aixgo_cli.store.records import UsageNotes

app = typer.Typer(
    help="List, inspect, compare, delete and export runs.",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)

DB_OPTION = typer.Option(None, "--db", help="Journal database (default: under AIXGO_HOME).")


@app.command("list")
def list_runs(
    limit: int = typer.Option(20, "--limit", "-n", help="How many runs, newest first."),
    status: str | None = typer.Option(None, "--status", help="Only runs with this status."),
    json_out: bool = typer.Option(False, "--json", help="JSON lines instead of a table."),
    db: Path | None = DB_OPTION,
) -> int:
    from aixgo_cli.errors import UserError
    from aixgo_cli.paths import default_db_path
    from aixgo_cli.store.leases import observe
    from aixgo_cli.store.records import RUN_STATUSES
    from aixgo_cli.wiring import open_journal

    if status is not None and status not in RUN_STATUSES:
        raise UserError(f"--status {status}: not a run status", hint=f"use one of: {', '.join(RUN_STATUSES)}")
    if db is None and not default_db_path().exists():
        views = []  # no run has been recorded yet; listing creates nothing
    else:
        with open_journal(db, read_only=True) as journal:
            views = [observe(journal, run) for run in journal.list_runs(limit=limit, status=status)]  # type: ignore[arg-type]
    runs = [view.run for view in views]
    if json_out:
        for view in views:
            row = asdict(view.run)
            row.pop("params_json", None)
            row["stale"] = view.stale
            row["cost_known"] = not view.notes.cost_unknown
            row["tokens_estimated"] = view.notes.tokens_estimated
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
        return 0
    if not runs:
        sys.stderr.write("no runs yet; start one with: aixgo run WORKFLOW\n")
        return 0
    rows = [("RUN", "WORKFLOW", "STATUS", "STARTED", "STEPS", "TOKENS", "COST")]
    for view in views:
        run = view.run
        rows.append(
            (
                run.run_id,
                run.workflow_name,
                view.shown_status,
                _when(run.created_at),
                str(run.steps),
                _tokens(run.tokens_in + run.tokens_out, view.notes),
                _cost(run.cost_usd, view.notes),
            )
        )
    _table(rows)
    if any(view.notes.cost_unknown or view.notes.tokens_estimated for view in views):
        sys.stdout.write(f"\n{_NOTES_LEGEND}\n")
    if any(view.stale for view in views):
        sys.stdout.write(f"\n{_STALE_NOTE}; continue one with: aixgo resume RUN\n")
    return 0


_STALE_NOTE = "stale: recorded as running, but the process driving it is gone (killed or crashed)"
_NOTES_LEGEND = (
    "unknown: no price for a model at that endpoint (counted as $0); >=: only part of the cost is known; "
    "~: token counts estimated (the server sent none)"
)


def _cost(usd: float, notes: UsageNotes) -> str:
    if not notes.cost_unknown:
        return f"${usd:.4f}"
    return f">=${usd:.4f}" if usd else "unknown"


def _tokens(count: int, notes: UsageNotes) -> str:
    return f"~{count}" if notes.tokens_estimated else str(count)


@app.command("show")
def show(
    run_id: str = typer.Argument(..., help="Run id or a unique prefix."),
    json_out: bool = typer.Option(False, "--json", help="One JSON object instead of text."),
    db: Path | None = DB_OPTION,
) -> int:
    from aixgo_cli.store.leases import observe
    from aixgo_cli.store.records import UsageNotes, journal_json, usage_notes_of
    from aixgo_cli.wiring import open_journal

    with open_journal(db, read_only=True) as journal:
        view = observe(journal, journal.find_run(run_id))
        run = view.run
        units = journal.list_units(run.run_id)
        calls = journal.list_calls(run.run_id)
    llm_calls = {u.unit_key: 0 for u in units}
    step_notes: dict[str, UsageNotes] = {}
    for call in calls:
        if call.kind == "llm" and call.status == "completed":
            llm_calls[call.unit_key] = llm_calls.get(call.unit_key, 0) + 1
            notes, seen = usage_notes_of(call.response_json), step_notes.get(call.unit_key, UsageNotes())
            step_notes[call.unit_key] = UsageNotes(
                seen.cost_unknown or notes.cost_unknown, seen.tokens_estimated or notes.tokens_estimated
            )
    if json_out:
        payload = asdict(run)
        payload.pop("params_json")  # holds the run's input, which may be large; `runs export` keeps it
        payload["result"] = journal_json(run.result_json, "the run's result") if run.result_json else None
        payload.pop("result_json")
        payload["stale"] = view.stale
        payload["cost_known"] = not view.notes.cost_unknown
        payload["tokens_estimated"] = view.notes.tokens_estimated
        payload["steps_detail"] = [
            {
                "place": u.place,
                "status": u.status,
                "attempt": u.attempt,
                "duration_ms": u.duration_ms,
                "tokens": u.tokens_in + u.tokens_out,
                "cost_usd": u.cost_usd,
                "cost_known": not step_notes.get(u.unit_key, UsageNotes()).cost_unknown,
                "llm_calls": llm_calls.get(u.unit_key, 0),
                "error": u.error,
            }
            for u in units
        ]
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        return 0
    out = sys.stdout
    out.write(
        f"run       {run.run_id}\nworkflow  {run.workflow_name} ({run.workflow_path})\n"
        f"status    {view.shown_status}\nstarted   {_when(run.created_at)}\nupdated   {_when(run.updated_at)}\n"
        f"usage     {run.steps} steps, {run.tokens_in} in + {run.tokens_out} out tokens"
        f"{' (estimated)' if view.notes.tokens_estimated else ''}, {_cost(run.cost_usd, view.notes)}\n"
    )
    if view.stale:
        out.write(f"note      {_STALE_NOTE}\n")
    if run.error:
        out.write(f"error     {run.error}\n")
    out.write("\n")
    rows = [("STEP", "STATUS", "TRY", "TIME", "CALLS", "TOKENS", "COST")]
    for unit in units:
        seconds = f"{unit.duration_ms / 1000:.2f}s" if unit.duration_ms is not None else "-"
        notes = step_notes.get(unit.unit_key, UsageNotes())
        rows.append(
            (
                unit.place,
                unit.status,
                str(unit.attempt),
                seconds,
                str(llm_calls.get(unit.unit_key, 0)),
                _tokens(unit.tokens_in + unit.tokens_out, notes),
                _cost(unit.cost_usd, notes),
            )
        )
    _table(rows)
    if view.notes.cost_unknown or view.notes.tokens_estimated:
        out.write(f"\n{_NOTES_LEGEND}\n")
    if run.status in ("failed", "paused", "interrupted") or view.stale:
        out.write(f"\ncontinue with: aixgo resume {run.run_id}\n")
    return 0


@app.command("rm")
def remove(
    run_ids: list[str] = typer.Argument(..., help="Run ids or unique prefixes."),
    force: bool = typer.Option(False, "--force", help="Also remove a run that looks like it is running."),
    db: Path | None = DB_OPTION,
) -> int:
    from aixgo_cli.cli.error_report import shown_hint
    from aixgo_cli.errors import AixgoError
    from aixgo_cli.wiring import open_journal

    # A bad id does not stop the others: each is reported, and the exit code is the first failure's.
    first_failure = 0
    with open_journal(db) as journal:
        for run_id in run_ids:
            try:
                run = journal.find_run(run_id)
                journal.delete_run(run.run_id, force=force)
            except AixgoError as error:
                first_failure = first_failure or int(error.exit_code)
                sys.stderr.write(f"aixgo: error: {run_id}: {error.message}\n")
                hint = shown_hint(error)
                if hint:
                    sys.stderr.write(f"  hint: {hint}\n")
                continue
            sys.stderr.write(f"removed {run.run_id}\n")
    return first_failure


@app.command("export")
def export(
    run_id: str = typer.Argument(..., help="Run id or a unique prefix."),
    dest: Path = typer.Argument(..., help="The new database file (must not exist)."),
    db: Path | None = DB_OPTION,
) -> int:
    from aixgo_cli.wiring import open_journal

    with open_journal(db, read_only=True) as journal:
        run = journal.find_run(run_id)
        journal.export_run(run.run_id, dest)
    sys.stderr.write(f"exported {run.run_id} to {dest}; resume it with: aixgo resume {run.run_id} --db {dest}\n")
    return 0


def _when(at: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(at))


def _table(rows: Sequence[tuple[str, ...]]) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        sys.stdout.write("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() + "\n")


@app.command("diff")
def diff(
    run_a: str = typer.Argument(..., help="The first run (id or unique prefix)."),
    run_b: str = typer.Argument(..., help="The second run."),
    json_out: bool = typer.Option(False, "--json", help="One JSON object instead of a table."),
    outputs: bool = typer.Option(False, "--outputs", help="Also print a unified diff of each changed output."),
    db: Path | None = DB_OPTION,
) -> int:
    """Compare two runs step by step: status, output, tokens, cost and time of each step."""
    from aixgo_cli.cli.runs_compare import diff_runs, print_diff

    a, b, steps = diff_runs(db, run_a, run_b)
    print_diff(a, b, steps, json_out=json_out, outputs=outputs)
    return 0


@app.command("prune")
def prune(
    status: list[str] = typer.Option([], "--status", help="Only runs with this status (repeatable)."),
    older_than: str | None = typer.Option(
        None, "--older-than", help="Only runs last updated before this age: 30d, 12h."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="List what would be removed; remove nothing."),
    db: Path | None = DB_OPTION,
) -> int:
    """Delete finished runs by status and age (never running ones)."""
    from aixgo_cli.cli.runs_compare import prune as prune_runs

    return prune_runs(db, status, older_than, dry_run=dry_run)
