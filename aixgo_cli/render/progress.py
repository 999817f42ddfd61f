"""Events to what people and tools see: live progress on a TTY, JSONL with --events, tokens with --stream.

Called from the engine's worker threads, so every write holds one lock. Progress uses rich for the live
view (a terminal, or `--progress live`); logs and pipes get plain lines instead (`plain_progress.py`).
"""

from __future__ import annotations

import sys
import threading
from typing import Any, TextIO

from aixgo_cli.events import Event, IncompleteReply, RunFinished, StepFailed, StepFinished, Token, event_to_json
from aixgo_cli.secrets.redaction import redact


class EventSink:
    def __init__(
        self,
        *,
        events_out: TextIO | None,
        progress: bool,
        stream_tokens: bool,
        quiet: bool,
        force_terminal: bool = False,  # `--progress live` on a stream that is not a terminal
    ) -> None:
        self.events_out = events_out
        self.stream_tokens = stream_tokens and not quiet
        self.quiet = quiet
        self._lock = threading.Lock()
        self._console: Any = None
        self._midline = False
        self._streaming: str | None = None  # the step whose tokens were written last
        if progress and not quiet:
            from rich.console import Console

            self._console = Console(stderr=True, highlight=False, force_terminal=force_terminal or None)

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
                    self._token(event)
                return
            self.end_line()
            if self._console is not None:
                self._progress(event)

    def _warn_incomplete(self, event: IncompleteReply) -> None:
        """Shown with or without a terminal: the step's result may not be what the model meant to say."""
        if self.quiet:
            return
        self.end_line()
        what = (
            f"was cut off by the token limit (max_tokens {event.max_tokens or 'of the provider'})"
            if event.reason == "cut_off"
            else "was empty"
        )
        outcome = "the step failed" if event.action == "failed" else "kept as the step's result"
        sys.stderr.write(f"aixgo: warning: a reply of {event.model} in {event.unit_key} {what}; {outcome}\n")
        sys.stderr.flush()

    def _token(self, event: Token) -> None:
        """Each step's reply on lines of its own, labelled with the step, when steps stream in parallel."""
        label = event.place or event.agent
        text = redact(event.text)
        if label != self._streaming:
            self.end_line()
            sys.stderr.write(f"{label}: ")
            self._streaming = label
            self._midline = True
        sys.stderr.write(text)
        sys.stderr.flush()
        if text:
            self._midline = not text.endswith("\n")

    def end_line(self) -> None:
        """Finish a streamed line that has no newline yet, so what follows starts on its own line."""
        if self._midline:
            sys.stderr.write("\n")
            sys.stderr.flush()
            self._midline = False
        self._streaming = None

    def _progress(self, event: Event) -> None:
        from rich.text import Text  # never markup: step names and error messages may hold `[`

        console = self._console
        if isinstance(event, StepFinished):
            if event.cached:
                console.print(Text(f"  ↺ {event.place}  (from the journal)", style="dim"))
            else:
                cost = f"  ${event.cost_usd:.4f}" if event.cost_usd else ""
                tokens = f"  {event.tokens} tok" if event.tokens else ""
                console.print(
                    Text.assemble(
                        "  ",
                        ("✓", "green"),
                        f" {event.place}  ",
                        (f"{event.duration_ms / 1000:.1f}s{tokens}{cost}", "dim"),
                    )
                )
        elif isinstance(event, StepFailed):
            console.print(Text.assemble("  ", ("✗", "red"), f" {event.place}: {redact(event.error)}"))

    def summary(self, event: RunFinished) -> str:
        cost = f", ${event.cost_usd:.4f}" if event.cost_usd else ""
        cached = f" ({event.cached_steps} from the journal)" if event.cached_steps else ""
        return f"{event.status}: {event.steps} steps{cached}, {event.tokens} tokens{cost}"
