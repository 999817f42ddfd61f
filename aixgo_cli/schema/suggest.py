""" "Did you mean" suggestions for misspelled keys, values and references."""

from __future__ import annotations

from collections.abc import Iterable


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """The best candidate for a misspelling, or None when nothing is close enough to help."""
    import difflib  # deferred: only paid for when a problem was found

    options = [c for c in candidates if isinstance(c, str)]
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
    names = [c for c in candidates if isinstance(c, str)]
    return did_you_mean(word, names) or (f"{label}: {one_of(names)}" if names else None)
