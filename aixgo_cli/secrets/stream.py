"""A text stream that redacts everything written through it: the CLI puts one over stdout and stderr.

Why a stream and not a `redact()` call at each `write`: output is written from many places (results,
loggers aimed at stdout, `--events -`, progress, streamed tokens, warnings, tracebacks from threads), and
a write site that forgets the call leaks. Wrapping the process's two streams once makes the filter
unavoidable.

Why it holds text back: redacting each write separately misses a secret split across writes (a streamed
reply arrives a few characters at a time). The stream keeps the tail that could still be the start of a
secret (`Redactor.safe_prefix_length`) until more text, a line end, or `drain()` decides it. A complete
line is never held, so line-oriented output is not delayed.
"""

from __future__ import annotations

import io
import threading
from typing import Any, TextIO

from aixgo_cli.secrets.redaction import Redactor, default_redactor


class RedactingStream(io.TextIOBase):
    """Writes `target` only redacted text; `drain()` releases what is held back (at exit)."""

    def __init__(self, target: TextIO, redactor: Redactor | None = None) -> None:
        super().__init__()
        self.target = target
        self._redactor = redactor if redactor is not None else default_redactor()
        self._pending = ""
        self._lock = threading.RLock()

    def write(self, text: str) -> int:
        with self._lock:
            self._pending += text
            cut = self._redactor.safe_prefix_length(self._pending)
            if cut:
                ready, self._pending = self._pending[:cut], self._pending[cut:]
                self.target.write(self._redactor.redact(ready))
        return len(text)

    def flush(self) -> None:
        with self._lock:
            self.target.flush()

    def drain(self) -> None:
        """Write everything held back (redacted) and flush: the output is complete."""
        with self._lock:
            if self._pending:
                ready, self._pending = self._pending, ""
                self.target.write(self._redactor.redact(ready))
            self.target.flush()

    def reconfigure(self, **options: Any) -> None:
        """Reconfigure the wrapped stream (encoding errors, line buffering); the filter stays in place."""
        self.target.reconfigure(**options)  # type: ignore[attr-defined]

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self.target.isatty()

    def fileno(self) -> int:
        return self.target.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self.target.encoding

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return self.target.errors

    @property
    def name(self) -> str:
        return str(getattr(self.target, "name", "<redacted stream>"))

    def close(self) -> None:
        """Release what is held; the wrapped stream stays open (it belongs to the process)."""
        if not self.closed:
            self.drain()
        super().close()
