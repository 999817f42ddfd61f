"""Reading a member's output as a decision: a label, a score, a name, a JSON object.

Members answer in text or JSON. A decision is read from that answer by fixed rules (no second model
call), so the same journaled answer always gives the same decision on resume. The rules are lenient
about decoration a model adds (quotes, a trailing full stop, `**bold**`, a ```json fence) and strict
about meaning: a reply that names nothing recognisable is reported, never guessed at.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL)
_DECORATION = " \t\"'`*_.,;:!?()[]{}<>"
_SCORE_PATTERNS = (
    re.compile(r"\b(?:score|rating|quality)\b\s*[:=]?\s*(\d+(?:\.\d+)?)\s*(?:/\s*(\d+(?:\.\d+)?))?", re.IGNORECASE),
    re.compile(r"(\d+(?:\.\d+)?)\s*/\s*(10|100|5|1)\b"),
)


def text_of(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def json_of(value: Any) -> Any:
    """The JSON value an answer holds: itself when structured, else parsed from the text (whole, fenced,
    or the outermost {...}); None when there is none."""
    if not isinstance(value, str):
        return value
    candidates = [value.strip()]
    candidates += [m.group(1).strip() for m in _FENCE.finditer(value)]
    start, end = value.find("{"), value.rfind("}")
    if 0 <= start < end:
        candidates.append(value[start : end + 1])
    for candidate in candidates:
        try:
            return json.loads(candidate)
        except ValueError:
            continue
    return None


def label_of(value: Any, keys: Iterable[str] = ("category", "label", "route", "answer", "decision")) -> str:
    """A short label: the first of `keys` in a JSON answer, else the first line of the text, undecorated
    and lower-cased."""
    data = json_of(value)
    if isinstance(data, Mapping):
        for key in keys:
            if isinstance(data.get(key), (str, int, float)) and not isinstance(data.get(key), bool):
                return normalise(str(data[key]))
    text = text_of(value).strip()
    first = next((line for line in text.splitlines() if line.strip(_DECORATION)), "")
    return normalise(first)


def normalise(text: str) -> str:
    return " ".join(text.strip(_DECORATION).lower().split())


def match_name(text: str, names: Iterable[str]) -> str | None:
    """The one name `text` refers to: the whole text, its first word, or the only name it mentions."""
    by_key = {normalise(name): name for name in names}
    wanted = normalise(text)
    if wanted in by_key:
        return by_key[wanted]
    first = normalise(wanted.split(" ", 1)[0]) if wanted else ""
    if first in by_key:
        return by_key[first]
    mentioned = {name for key, name in by_key.items() if re.search(rf"(?<![\w-]){re.escape(key)}(?![\w-])", wanted)}
    return mentioned.pop() if len(mentioned) == 1 else None


def score_of(value: Any) -> float | None:
    """A score in [0, 1]: a JSON `score`/`rating`/`quality`, else `Score: 8/10`-style text. Scores on a
    larger scale (8/10, 85/100, or a bare 8 read as out of 10) are scaled down."""
    data = json_of(value)
    if isinstance(data, Mapping):
        for key in ("score", "rating", "quality"):
            number = data.get(key)
            if isinstance(number, (int, float)) and not isinstance(number, bool):
                return _unit(float(number), None)
    if isinstance(data, (int, float)) and not isinstance(data, bool):
        return _unit(float(data), None)
    text = text_of(value)
    for pattern in _SCORE_PATTERNS:
        found = pattern.search(text)
        if found:
            scale = float(found.group(2)) if found.group(2) else None
            return _unit(float(found.group(1)), scale)
    return None


def _unit(number: float, scale: float | None) -> float | None:
    if scale:
        number = number / scale
    elif number > 1:
        number = number / 100 if number > 10 else number / 10
    return number if 0 <= number <= 1 else None
