"""Events to what people and tools see: live progress on a TTY, JSONL with --events, tokens with --stream.

Called from the engine's worker threads, so every write holds one lock. Progress uses rich only when
stderr is a terminal; otherwise (CI, pipes) nothing but the run id and a summary reach stderr.
"""

from __future__ import annotations

import sys
import threading
from typing import Any, TextIO

from aixgo_cli.events import Event, IncompleteReply, RunFinished, StepFailed, StepFinished, Token, event_to_json
from aixgo_cli.secrets.redaction import redact


class EventSink:
    def __init__(self, *, events_out: TextIO | None, progress: bool, stream_tokens: bool, quiet: bool) -> None:
        self.events_out = events_out
        self.stream_tokens = stream_tokens and not quiet
        self.quiet = quiet
        self._lock = threading.Lock()
        self._console: Any = None
        self._midline = False
        if progress and not quiet:
            from rich.console import Console

            self._console = Console(stderr=True, highlight=False)

    def __call__(self, event: Event) -> None:
        with self._lock:
            if self.events_out is not None and not isinstance(event, Token):
                self.events_out.write(redact(event_to_json(event)) + "\n")
                self.events_out.flush()
            if isinstance(event, IncompleteReply):
                self._warn_incomplete(event)
                return
            if isinstance(event, Token):
                if self.stream_tokens:
                    sys.stderr.write(redact(event.text))
                    sys.stderr.flush()
                    self._midline = not event.text.endswith("\n")
                return
            if self._console is not None:
                self._progress(event)

    def _warn_incomplete(self, event: IncompleteReply) -> None:
        """Shown with or without a terminal: the step's result may not be what the model meant to say."""
        if self.quiet:
            return
        if self._midline:
            sys.stderr.write("\n")
            self._midline = False
        what = (
            f"was cut off by the token limit (max_tokens {event.max_tokens or 'of the provider'})"
            if event.reason == "cut_off"
            else "was empty"
        )
        outcome = "the step failed" if event.action == "failed" else "kept as the step's result"
        sys.stderr.write(f"aixgo: warning: a reply of {event.model} in {event.unit_key} {what}; {outcome}\n")
        sys.stderr.flush()

    def _progress(self, event: Event) -> None:
        if self._midline:
            sys.stderr.write("\n")
            self._midline = False
        console = self._console
        if isinstance(event, StepFinished):
            if event.cached:
                console.print(f"  [dim]↺ {event.place}  (from the journal)[/dim]")
            else:
                cost = f"  ${event.cost_usd:.4f}" if event.cost_usd else ""
                tokens = f"  {event.tokens} tok" if event.tokens else ""
                console.print(
                    f"  [green]✓[/green] {event.place}  [dim]{event.duration_ms / 1000:.1f}s{tokens}{cost}[/dim]"
                )
        elif isinstance(event, StepFailed):
            console.print(f"  [red]✗[/red] {event.place}: {redact(event.error)}", markup=False)

    def summary(self, event: RunFinished) -> str:
        cost = f", ${event.cost_usd:.4f}" if event.cost_usd else ""
        cached = f" ({event.cached_steps} from the journal)" if event.cached_steps else ""
        return f"{event.status}: {event.steps} steps{cached}, {event.tokens} tokens{cost}"
