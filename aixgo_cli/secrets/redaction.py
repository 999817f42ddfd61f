"""Keep secret values out of everything aixgo writes: logs, events, the journal, the audit log, errors.

Why a process-wide registry: a secret is resolved in one place (`SecretResolver`) but could surface in
any text produced later, by any thread (fan-out steps run concurrently). Every resolved value is
registered once; every writer passes its text through `redact()` on the way out. Writers do not need to
know which secrets exist.

Two lines of defence:

1. Registered values are replaced by `***`, longest first (so a value that contains another registered
   value is masked whole). Their URL-quoted and JSON-escaped spellings are registered too, because that
   is how a key appears in a logged URL or a serialized request. Values shorter than
   `MIN_SECRET_LENGTH` (4) characters are ignored: masking every "a" or "12" would shred ordinary text
   and reveal more (which short string is secret) than it hides.
2. Text shaped like a well-known credential (`sk-...`, `xai-...`, `Bearer ...`, `ghp_...`, `AKIA...`,
   ...) is masked even if it was never registered, keeping the recognisable prefix (`sk-***`) so a
   reader can tell which kind of key was hidden.

Redaction is pure string work under a lock-free read: `register()` rebuilds one compiled pattern under
a lock and swaps it in; `redact()` reads whichever pattern is current. No I/O, nothing at import time
beyond compiling the fixed shape patterns.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import traceback
from typing import Final, TypeVar, cast
from urllib.parse import quote, quote_plus

MASK: Final = "***"
MIN_SECRET_LENGTH: Final = 4

T = TypeVar("T")

# Group 1 of each pattern is the prefix kept in the output. The look-behinds keep them from firing inside
# longer words.
_SHAPES: Final[tuple[re.Pattern[str], ...]] = (
    # OpenAI / Anthropic / DeepSeek style: sk-..., sk-proj-..., sk-ant-...
    re.compile(r"(?<![A-Za-z0-9_-])(sk-)[A-Za-z0-9_-]{8,}"),
    re.compile(r"(?<![A-Za-z0-9_-])(xai-)[A-Za-z0-9_-]{8,}"),
    # GitHub tokens: classic (ghp_, gho_, ghu_, ghs_, ghr_) and fine-grained.
    re.compile(r"(?<![A-Za-z0-9_])(gh[pousr]_)[A-Za-z0-9]{16,}"),
    re.compile(r"(?<![A-Za-z0-9_])(github_pat_)[A-Za-z0-9_]{20,}"),
    # AWS access key ids (long-lived and temporary).
    re.compile(r"(?<![A-Z0-9])(AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])"),
    re.compile(r"(?<![A-Za-z0-9_])(hf_)[A-Za-z0-9]{16,}"),
    # Google API keys (Gemini).
    re.compile(r"(?<![A-Za-z0-9_-])(AIza)[A-Za-z0-9_-]{30,}"),
    # HTTP Authorization values of any shape. Requiring a digit spares prose such as "bearer token".
    re.compile(r"(?i)\b(bearer\s+)(?=[A-Za-z._~+/=-]*[0-9])[A-Za-z0-9._~+/=-]{8,}"),
)


# One cheap search for any prefix above, so text with none of them (nearly all text) skips the eight subs.
_ANY_SHAPE: Final = re.compile(r"sk-|xai-|gh[pousr]_|github_pat_|AKIA|ASIA|hf_|AIza|(?i:bearer)")


def _spellings(value: str) -> set[str]:
    """The forms in which `value` may turn up in text: raw, URL-quoted, JSON-escaped."""
    forms = {value, quote(value, safe=""), quote_plus(value, safe=""), json.dumps(value)[1:-1]}
    return {f for f in forms if len(f) >= MIN_SECRET_LENGTH}


class Redactor:
    """A thread-safe set of secret values and the replacement they get. Usually used via the module
    functions, which share one process-wide instance; tests may make their own."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None

    def register(self, value: str) -> None:
        """Remember `value` as secret. Values shorter than `MIN_SECRET_LENGTH` are ignored (see module
        docstring); registering the same value twice is harmless."""
        if len(value) < MIN_SECRET_LENGTH:
            return
        forms = _spellings(value)
        with self._lock:
            if forms <= self._values:
                return
            self._values |= forms
            # Longest first: the regex alternation takes the first branch that matches.
            ordered = sorted(self._values, key=lambda v: (-len(v), v))
            self._pattern = re.compile("|".join(re.escape(v) for v in ordered))

    def clear(self) -> None:
        """Forget every registered value (for tests and long-lived embedders)."""
        with self._lock:
            self._values = set()
            self._pattern = None

    def count(self) -> int:
        """How many spellings are registered (a value may add up to four)."""
        return len(self._values)

    def redact(self, text: str) -> str:
        """`text` with registered values replaced by `***` and credential-shaped tokens masked."""
        pattern = self._pattern  # one read: a concurrent register() swaps the whole object
        if pattern is not None:
            text = pattern.sub(MASK, text)
        if _ANY_SHAPE.search(text):
            for shape in _SHAPES:
                text = shape.sub(lambda m: m.group(1) + MASK, text)
        return text

    def redact_obj(self, obj: T) -> T:
        """A deep copy of a JSON-like value (dict/list/tuple/str/scalars) with every string redacted,
        dictionary keys included. Other objects are returned unchanged."""
        return cast(T, self._redact_any(obj))

    def _redact_any(self, obj: object) -> object:
        if isinstance(obj, str):
            return self.redact(obj)
        if isinstance(obj, dict):
            return {(self.redact(k) if isinstance(k, str) else k): self._redact_any(v) for k, v in obj.items()}
        if isinstance(obj, list):
            return [self._redact_any(v) for v in obj]
        if isinstance(obj, tuple):
            return tuple(self._redact_any(v) for v in obj)
        return obj


_DEFAULT = Redactor()


def default_redactor() -> Redactor:
    """The process-wide registry that the module functions use."""
    return _DEFAULT


def register(value: str) -> None:
    """Register `value` with the process-wide registry (ignored if shorter than 4 characters)."""
    _DEFAULT.register(value)


def redact(text: str) -> str:
    """Redact `text` with the process-wide registry and the credential shapes."""
    return _DEFAULT.redact(text)


def redact_obj(obj: T) -> T:
    """Deep-redact a JSON-like value with the process-wide registry."""
    return _DEFAULT.redact_obj(obj)


def redact_exception_text(exc: BaseException, *, with_traceback: bool = False) -> str:
    """The text of `exc` (type and message, notes, and with `with_traceback` the whole chained traceback,
    which never includes local variables), redacted. For the CLI's error printer."""
    lines = traceback.format_exception(exc) if with_traceback else traceback.format_exception_only(exc)
    return _DEFAULT.redact("".join(lines)).rstrip("\n")


class RedactingFilter(logging.Filter):
    """A `logging.Filter` that redacts each record's message, arguments, exception and stack text.

    The message is formatted with its arguments first, then redacted, and stored back with no arguments:
    redacting the arguments alone would miss a secret split across the format string and an argument,
    and would break `%d` placeholders. Attach it to handlers (filters on a logger do not see records that
    propagate from child loggers).
    """

    def __init__(self, redactor: Redactor | None = None, name: str = "") -> None:
        super().__init__(name)
        self._redactor = redactor if redactor is not None else _DEFAULT

    def filter(self, record: logging.LogRecord) -> bool:
        r = self._redactor
        try:
            message = record.getMessage()
        except Exception:  # a malformed format/args pair: keep both, redacted, rather than drop the record
            message = f"{record.msg} {record.args!r}"
        record.msg = r.redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = r.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = r.redact(record.stack_info)
        return True
