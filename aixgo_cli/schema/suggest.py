""" "Did you mean" suggestions for misspelled keys, values and references.

Each suggestion compares the word with every candidate, so a file with thousands of unknown names among
thousands of agents would cost their product. Inside `suggestion_budget()` (one per validation) the
candidates looked at are counted, and once the budget is spent hints stop naming candidates: the total
work stays linear in the size of the file, and the first problems, the ones people read, keep their
suggestions.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sized
from contextlib import contextmanager
from contextvars import ContextVar

SUGGESTION_BUDGET = 50_000
"""Candidates looked at, in all suggestions of one validation, before hints stop naming them."""

_remaining: ContextVar[list[int] | None] = ContextVar("aixgo_suggestion_budget", default=None)


@contextmanager
def suggestion_budget(candidates: int = SUGGESTION_BUDGET) -> Iterator[list[int]]:
    """Bound the work of every suggestion made inside the block; yields the remaining count."""
    remaining = [candidates]
    token = _remaining.set(remaining)
    try:
        yield remaining
    finally:
        _remaining.reset(token)


def _affordable(candidates: Iterable[str]) -> list[str] | None:
    """The candidates as a list, or None when the budget cannot pay for looking at them."""
    remaining = _remaining.get()
    if remaining is None:
        return [c for c in candidates if isinstance(c, str)]
    if isinstance(candidates, Sized) and len(candidates) > remaining[0]:
        remaining[0] = 0
        return None
    options = [c for c in candidates if isinstance(c, str)]
    remaining[0] = max(0, remaining[0] - len(options))
    return options


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """The best candidate for a misspelling, or None when nothing is close enough to help."""
    options = _affordable(candidates)
    if not options:
        return None
    return _closest(word, options)


def _closest(word: str, options: list[str]) -> str | None:
    import difflib  # deferred: only paid for when a problem was found

    lowered = {c.lower(): c for c in options}
    if word.lower() in lowered:
        return lowered[word.lower()]
    match = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[match[0]] if match else None


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    best = closest(word, candidates)
    return f"did you mean '{best}'?" if best is not None else None


def one_of(candidates: Iterable[str], limit: int = 13) -> str:
    items = sorted({c for c in candidates if isinstance(c, str)})  # malformed entries are skipped
    shown = ", ".join(items[:limit])
    return shown + (f", ... ({len(items)} in all)" if len(items) > limit else "")


def did_you_mean_or_list(word: str, candidates: Iterable[str], label: str) -> str | None:
    """A close match when there is one, else the list of valid names, so the hint is never empty."""
    names = _affordable(candidates)
    if names is None:
        return f"check the spelling against the {label} defined in this file"
    best = _closest(word, names) if names else None
    if best is not None:
        return f"did you mean '{best}'?"
    return f"{label}: {one_of(names)}" if names else None
