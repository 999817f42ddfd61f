"""Durations as a workflow and the command line write them: a number of seconds, or Go-style text
(`30s`, `500ms`, `2m`, `1h`, `1m30s`). One parser for every place that reads one."""

from __future__ import annotations

import re
from typing import Any

from aixgo_cli.errors import UserError

_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_SCALE = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(value: Any, what: str = "duration") -> float:
    """Seconds from a number or a duration text; `what` names the value in the error."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip()
    try:
        return float(text)
    except ValueError:
        pass
    parts = _PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise UserError(f"{what}: '{value}' is not a duration (examples: 30, 30s, 500ms, 2m)")
    return sum(float(n) * _SCALE[u] for n, u in parts)


def optional_duration(value: Any, what: str = "duration") -> float | None:
    """`parse_duration`, with None (the key is not set) passed through."""
    return None if value is None else parse_duration(value, what)
