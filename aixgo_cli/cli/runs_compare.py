"""`aixgo runs diff A B` and `aixgo runs prune`: compare two runs step by step; delete old runs.

Steps are matched by their place in the flow (`runs show` prints the same), which is stable across runs
of the same workflow: the unit key also hashes the input and definition, so it would never match.
"""

from __future__ import annotations

import json
import re
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from aixgo_cli.errors import UserError

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(s|m|h|d|w)$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


@dataclass(frozen=True)
class StepDiff:
    place: str
    status_a: str | None
    status_b: str | None
    output: str  # same | changed | only in A | only in B
    tokens_a: int
    tokens_b: int
    cost_a: float
    cost_b: float
    ms_a: int | None
    ms_b: int | None
    output_a: Any = None
    output_b: Any = None


def diff_runs(db: Path | None, a: str, b: str) -> tuple[Any, Any, list[StepDiff]]:
    from aixgo_cli.wiring import open_journal

    with open_journal(db) as journal:
        run_a, run_b = journal.find_run(a), journal.find_run(b)
        units_a = {u.place: u for u in journal.list_units(run_a.run_id)}
        units_b = {u.place: u for u in journal.list_units(run_b.run_id)}
    places = list(units_a) + [p for p in units_b if p not in units_a]
    steps = []
    for place in places:
        ua, ub = units_a.get(place), units_b.get(place)
        out_a = _output(ua.output_json if ua else None)
        out_b = _output(ub.output_json if ub else None)
        if ua is None:
            kind = "only in B"
        elif ub is None:
            kind = "only in A"
        else:
            kind = "same" if (ua.output_json, ua.status) == (ub.output_json, ub.status) else "changed"
        steps.append(
            StepDiff(
                place=place,
                status_a=ua.status if ua else None,
                status_b=ub.status if ub else None,
                output=kind,
                tokens_a=(ua.tokens_in + ua.tokens_out) if ua else 0,
                tokens_b=(ub.tokens_in + ub.tokens_out) if ub else 0,
                cost_a=ua.cost_usd if ua else 0.0,
                cost_b=ub.cost_usd if ub else 0.0,
                ms_a=ua.duration_ms if ua else None,
                ms_b=ub.duration_ms if ub else None,
                output_a=out_a,
                output_b=out_b,
            )
        )
    return run_a, run_b, steps


def _output(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def print_diff(run_a: Any, run_b: Any, steps: list[StepDiff], *, json_out: bool, outputs: bool) -> None:
    if json_out:
        payload = {
            "a": {"run_id": run_a.run_id, "status": run_a.status, "workflow": run_a.workflow_name},
            "b": {"run_id": run_b.run_id, "status": run_b.status, "workflow": run_b.workflow_name},
            "steps": [asdict(s) for s in steps],
            "totals": _totals(steps),
        }
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2, default=str) + "\n")
        return
    out = sys.stdout
    out.write(f"A  {run_a.run_id}  {run_a.workflow_name}  {run_a.status}\n")
    out.write(f"B  {run_b.run_id}  {run_b.workflow_name}  {run_b.status}\n")
    if run_a.workflow_name != run_b.workflow_name:
        out.write("note: the runs are of different workflows; steps are matched by place only\n")
    out.write("\n")
    rows = [("STEP", "STATUS A -> B", "OUTPUT", "TOKENS", "COST", "TIME")]
    for s in steps:
        rows.append(
            (
                s.place,
                f"{s.status_a or '-'} -> {s.status_b or '-'}",
                s.output,
                _change(s.tokens_a, s.tokens_b, "{:d}"),
                _change(s.cost_a, s.cost_b, "${:.4f}"),
                _change(s.ms_a, s.ms_b, "{:d}ms"),
            )
        )
    t = _totals(steps)
    rows.append(
        (
            "TOTAL",
            "",
            f"{t['changed']} changed",
            _change(t["tokens_a"], t["tokens_b"], "{:d}"),
            _change(t["cost_a"], t["cost_b"], "${:.4f}"),
            _change(t["ms_a"], t["ms_b"], "{:d}ms"),
        )
    )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        out.write("  ".join(c.ljust(widths[i]) for i, c in enumerate(row)).rstrip() + "\n")
    if outputs:
        _print_output_diffs(steps)


def _print_output_diffs(steps: list[StepDiff]) -> None:
    import difflib

    for s in steps:
        if s.output == "same":
            continue
        a = _text(s.output_a).splitlines()
        b = _text(s.output_b).splitlines()
        sys.stdout.write(f"\n{s.place}:\n")
        for line in difflib.unified_diff(a, b, "A", "B", lineterm="", n=2):
            sys.stdout.write(f"  {line}\n")


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, indent=2)


def _change(a: float | None, b: float | None, fmt: str) -> str:
    if a is None and b is None:
        return "-"
    left = fmt.format(a) if a is not None else "-"
    right = fmt.format(b) if b is not None else "-"
    if a is None or b is None or a == b:
        return left if a == b else f"{left} -> {right}"
    delta = b - a
    sign = "+" if delta > 0 else "-"
    return f"{left} -> {right} ({sign}{fmt.format(abs(delta))})"


def _totals(steps: list[StepDiff]) -> dict[str, Any]:
    return {
        "changed": sum(s.output != "same" for s in steps),
        "tokens_a": sum(s.tokens_a for s in steps),
        "tokens_b": sum(s.tokens_b for s in steps),
        "cost_a": round(sum(s.cost_a for s in steps), 8),
        "cost_b": round(sum(s.cost_b for s in steps), 8),
        "ms_a": sum(s.ms_a or 0 for s in steps),
        "ms_b": sum(s.ms_b or 0 for s in steps),
    }


def parse_age(text: str) -> float:
    """'30d' / '12h' / '90m' / '2w' / '45s' -> seconds."""
    match = _DURATION.match(text.strip())
    if match is None:
        raise UserError(
            f"--older-than {text}: not a duration", hint="write a number and a unit: 45s, 90m, 12h, 30d, 2w"
        )
    return float(match.group(1)) * _SECONDS[match.group(2)]


def prune(db: Path | None, statuses: list[str], older_than: str | None, *, dry_run: bool) -> int:
    from aixgo_cli.errors import AixgoError
    from aixgo_cli.store.records import RUN_STATUSES
    from aixgo_cli.wiring import open_journal

    if not statuses and older_than is None:
        raise UserError(
            "runs prune needs --status or --older-than (or both), so that it never deletes every run by accident",
            hint="aixgo runs prune --status failed --older-than 30d --dry-run",
        )
    for status in statuses:
        if status not in RUN_STATUSES:
            raise UserError(f"--status {status}: not a run status", hint=f"use one of: {', '.join(RUN_STATUSES)}")
    if "running" in statuses:
        raise UserError(
            "runs prune never deletes running runs", hint="stop the run first, or use: aixgo runs rm --force ID"
        )
    cutoff = time.time() - parse_age(older_than) if older_than is not None else None
    failures = 0
    with open_journal(db) as journal:
        runs = journal.list_runs(limit=10**9)
        chosen = [
            r
            for r in runs
            if r.status != "running"
            and (not statuses or r.status in statuses)
            and (cutoff is None or r.updated_at < cutoff)
        ]
        for run in chosen:
            if dry_run:
                sys.stdout.write(f"would remove {run.run_id}  {run.workflow_name}  {run.status}\n")
                continue
            try:
                journal.delete_run(run.run_id)
            except AixgoError as error:
                failures += 1
                sys.stderr.write(f"aixgo: could not remove {run.run_id}: {error.message}\n")
                continue
            sys.stdout.write(f"removed {run.run_id}  {run.workflow_name}  {run.status}\n")
    verb = "would remove" if dry_run else "removed"
    sys.stderr.write(f"{verb} {len(chosen) - failures} of {len(runs)} runs\n")
    return 1 if failures else 0
