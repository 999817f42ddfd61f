"""Progress for logs: one plain line per finished step on stderr, for when nobody watches a terminal.

CI logs and pipes get no status area (it redraws with escape codes and carriage returns); instead, every
line here is final once written, has no colour and no `\\r`, and starts with `aixgo:` like the rest of
aixgo's stderr:

    aixgo: step reader[3]/answer completed in 1.2 s, 345 tokens, $0.0012
    aixgo: step reader[4]/answer failed: the model returned an error
    aixgo: openai/gpt-4o-mini: 429, retrying in 2 s (attempt 1)
    aixgo: 40 steps from the journal

Steps answered from the journal on resume are counted and written as one line when the first step that
really runs starts or finishes, or when the run ends. The modes (`--progress auto|live|plain|off`) are
chosen in `progress_mode`.
"""

from __future__ import annotations

import threading
from typing import Literal, TextIO

from aixgo_cli.events import Event, ModelRetry, RunFinished, RunPaused, StepFailed, StepFinished, StepStarted
from aixgo_cli.secrets.redaction import redact

ProgressMode = Literal["live", "plain", "off"]


def progress_mode(requested: str, *, quiet: bool, terminal: bool) -> ProgressMode:
    """`auto` is the live status area on a terminal and plain lines otherwise; `--quiet` turns both off."""
    if quiet or requested == "off":
        return "off"
    if requested == "auto":
        return "live" if terminal else "plain"
    return "live" if requested == "live" else "plain"


class PlainProgress:
    """An event subscriber (called from the engine's worker threads) that writes plain lines to `out`."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self._lock = threading.Lock()
        self._cached = 0

    def __call__(self, event: Event) -> None:
        with self._lock:
            if isinstance(event, StepFinished) and event.cached:
                self._cached += 1
                return
            if isinstance(event, StepStarted | StepFinished | StepFailed | RunFinished | RunPaused):
                self._flush_cached()
            line = _line(event)
            if line is not None:
                self._write(line)

    def _flush_cached(self) -> None:
        if self._cached:
            count, self._cached = self._cached, 0
            self._write(f"{count} step{'s' * (count != 1)} from the journal")

    def _write(self, line: str) -> None:
        # One line per write, flushed, so that a log tailed while the run goes on is never half a line behind.
        self.out.write(f"aixgo: {redact(line)}\n")
        self.out.flush()


def _line(event: Event) -> str | None:
    if isinstance(event, StepFinished):
        details = [f"completed in {event.duration_ms / 1000:.1f} s"]
        if event.tokens:
            details.append(f"{event.tokens} tokens")
        if event.cost_usd:
            details.append(f"${event.cost_usd:.4f}")
        return f"step {event.place} " + ", ".join(details)
    if isinstance(event, StepFailed):
        return f"step {event.place} failed: {_one_line(event.error)}"
    if isinstance(event, ModelRetry):
        return f"{event.model}: {event.reason}, retrying in {event.delay_s:.0f} s (attempt {event.attempt})"
    return None


def _one_line(text: str) -> str:
    """An error message may span lines; a log line may not (a reader greps it)."""
    return " ".join(text.split())
