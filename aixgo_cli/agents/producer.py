"""producer: turns the run's input, stdin, a fixed list or a file into items, one lane each.

The producer is a journaled unit like any other, so the items it read (from stdin, which cannot be read
twice) are replayed from the journal on resume instead of being read again.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aixgo_cli.agents.base import Invocation, as_text
from aixgo_cli.config.durations import optional_duration
from aixgo_cli.config.model import AgentSpec
from aixgo_cli.errors import UserError


def produce(invocation: Invocation) -> list[Any]:
    config = invocation.spec.config
    source = config.get("source") or ("items" if "items" in config else "file" if "file" in config else "input")
    fmt = config.get("format", "lines")
    if source == "items":
        items = list(config.get("items", []))
    elif source == "file":
        path = invocation.workflow.base_dir / str(config["file"])
        items = split(_read(path), fmt, where=str(path))
    elif source == "stdin":
        if invocation.stdin_reader is None:
            raise UserError(
                f"producer '{invocation.spec.name}' reads stdin, but stdin is not available",
                hint="pipe the items in: cat items.jsonl | aixgo run WORKFLOW",
            )
        items = split(invocation.stdin_reader(), fmt, where="stdin")
    else:
        run_input = invocation.run_input
        items = list(run_input) if isinstance(run_input, list) else split(as_text(run_input), fmt, where="--input")
    count = config.get("count")
    if isinstance(count, int):
        items = items[:count]
    return items


def item_interval(spec: AgentSpec) -> float | None:
    """Seconds between items entering the run (the runner paces lanes with it): producer_config.interval,
    or the agent-level `interval` of Go aixgo files."""
    return optional_duration(spec.config.get("interval") or spec.raw.get("interval"))


def split(text: str, fmt: str, *, where: str) -> list[Any]:
    if fmt == "text":
        return [text] if text.strip() else []
    if fmt == "json":
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise UserError(
                f"{where} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
                hint="producer_config.format: json expects one JSON array",
            ) from None
        return list(value) if isinstance(value, list) else [value]
    lines = [line for line in text.splitlines() if line.strip()]
    if fmt == "jsonl":
        items = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                items.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise UserError(
                    f"{where} line {number} is not valid JSON: {exc.msg} (column {exc.colno})",
                    hint="producer_config.format: jsonl expects one JSON value per line",
                ) from None
        return items
    return lines


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(
            f"cannot read the producer file {path}: {exc.strerror}",
            hint="paths in producer_config.file are relative to the workflow file",
        ) from None
