"""Keep secret values out of everything aixgo writes: logs, events, the journal, the audit log, errors.

Why a process-wide registry: a secret is resolved in one place (`SecretResolver`) but could surface in
any text produced later, by any thread (fan-out steps run concurrently). Every resolved value is
registered once; every writer passes its text through `redact()` on the way out. Writers do not need to
know which secrets exist.

Two lines of defence:

1. Registered values are replaced by `***`, longest first (so a value that contains another registered
   value is masked whole). Their encoded spellings are registered too (URL- and percent-encoded,
   JSON-escaped, base64 at every alignment, hex, `\\x`, `\\u` and HTML escapes: see `encodings`),
   because that is how a key appears in a logged URL, a serialized request or a provider's error.
   Values shorter than `MIN_SECRET_LENGTH` (4) characters are ignored: masking every "a" or "12" would
   shred ordinary text and reveal more (which short string is secret) than it hides.
2. Text shaped like a well-known credential (`sk-...`, `xai-...`, `Bearer ...`, `ghp_...`, `AKIA...`,
   ...) is masked even if it was never registered, keeping the recognisable prefix (`sk-***`) so a
   reader can tell which kind of key was hidden.

Redaction is pure string work under a lock-free read: `register()` rebuilds one compiled pattern under
a lock and swaps it in; `redact()` reads whichever pattern is current. No I/O, nothing at import time
beyond compiling the fixed shape patterns.
"""

from __future__ import annotations

import logging
import re
import threading
import traceback
from typing import Final, TypeVar, cast

from aixgo_cli.secrets.encodings import spellings
from aixgo_cli.secrets.patterns import OPEN_SHAPE, SHAPES, TOKEN_CHARS, maybe_shaped, trie_pattern

MASK: Final = "***"
MIN_SECRET_LENGTH: Final = 4

T = TypeVar("T")


class Redactor:
    """A thread-safe set of secret values and the replacement they get. Usually used via the module
    functions, which share one process-wide instance; tests may make their own."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: set[str] = set()  # every registered spelling matched as written
        self._caseless: set[str] = set()  # hex and escape spellings, matched in any case
        self._names: dict[str, str] = {}  # raw value -> the secret name it was resolved under
        self._pattern: re.Pattern[str] | None = None
        self._longest = 0
        self._multiline = False
        # Spellings by their first character (caseless ones lower-cased), to find where a held-back tail
        # could begin one (`safe_prefix_length`) without trying every spelling at every position.
        self._by_first: dict[str, tuple[str, ...]] = {}
        self._caseless_by_first: dict[str, tuple[str, ...]] = {}

    def register(self, value: str, name: str | None = None) -> None:
        """Remember `value` (and its encoded spellings) as secret. Values shorter than `MIN_SECRET_LENGTH`
        are ignored (see module docstring); registering the same value twice is harmless. `name` is the
        secret's name, which lets `sealing` store a reference instead of a mask."""
        if len(value) < MIN_SECRET_LENGTH:
            return
        forms = spellings(value, min_length=MIN_SECRET_LENGTH)
        with self._lock:
            if name is not None:
                self._names.setdefault(value, name)
            if forms.exact <= self._values and forms.caseless <= self._caseless:
                return
            self._values |= forms.exact
            self._caseless |= forms.caseless
            # One trie-shaped pattern per letter-case rule: a plain alternation of every spelling would be
            # tried branch by branch at each position (dozens of spellings per secret), a trie once.
            branches = [trie_pattern(self._values)]
            if self._caseless:
                branches.append("(?i:" + trie_pattern({v.lower() for v in self._caseless}) + ")")
            self._pattern = re.compile("|".join(b for b in branches if b))
            every = self._values | self._caseless
            self._longest = max(len(v) for v in every)
            self._multiline = any("\n" in v for v in every)
            self._by_first = _by_first_character(self._values)
            self._caseless_by_first = _by_first_character({v.lower() for v in self._caseless})

    def clear(self) -> None:
        """Forget every registered value (for tests and long-lived embedders)."""
        with self._lock:
            self._values = set()
            self._caseless = set()
            self._names = {}
            self._pattern = None
            self._longest = 0
            self._multiline = False
            self._by_first = {}
            self._caseless_by_first = {}

    def count(self) -> int:
        """How many spellings are registered (each value adds one per encoding)."""
        return len(self._values) + len(self._caseless)

    def named_values(self) -> dict[str, str]:
        """Raw value -> secret name, for the values registered with a name."""
        with self._lock:
            return dict(self._names)

    def redact(self, text: str, *, shapes: bool = True) -> str:
        """`text` with registered values replaced by `***` and (unless `shapes` is false) credential-shaped
        tokens masked."""
        pattern = self._pattern  # one read: a concurrent register() swaps the whole object
        if pattern is not None:
            text = pattern.sub(MASK, text)
        if shapes and maybe_shaped(text):
            for shape in SHAPES:
                text = shape.sub(lambda m: m.group(1) + MASK, text)
        return text

    def safe_prefix_length(self, text: str) -> int:
        """How much of `text`, the start of output still being written, can be redacted and shown now.

        The rest may be the first part of a secret whose end has not arrived: a tail of the current line
        (no registered spelling spans a line break, unless one contains it) that begins some registered
        spelling, and a credential shape still open at the end. Any other text is released at once, so a
        status line a terminal redraws in place is not held back. A match that starts before the cut is
        whole already (it is at most `longest` long), so the cut moves past it rather than splitting it.
        """
        pattern, longest = self._pattern, self._longest
        window = len(text) - max(0, longest - 1)
        line_start = text.rfind("\n") + 1
        if not self._multiline:
            window = max(window, line_start)
        cut = self._first_open_spelling(text, max(window, 0))
        # An open shape is the trailing run of token characters plus the prefix before it (a credential
        # shape has no line break); searching only that end keeps this cheap for every streamed token.
        trailing = len(text) - len(text.rstrip(TOKEN_CHARS + "_"))
        open_shape = OPEN_SHAPE.search(text, max(line_start, len(text) - trailing - 16))
        if open_shape is not None:
            cut = min(cut, open_shape.start())
        cut = max(cut, 0)
        if cut >= len(text):
            return len(text)  # nothing held back, so nothing can straddle the cut
        patterns = [*SHAPES] if maybe_shaped(text) else []
        if pattern is not None:
            patterns.append(pattern)
        moved = True
        while moved:
            moved = False
            for candidate in patterns:
                for match in candidate.finditer(text):
                    if match.start() < cut < match.end():
                        cut, moved = match.end(), True
        return cut

    def _first_open_spelling(self, text: str, start: int) -> int:
        """The first position at or after `start` from which the rest of `text` begins a registered
        spelling (so more text could complete it); `len(text)` if there is none."""
        exact, caseless = self._by_first, self._caseless_by_first
        for position in range(start, len(text)):
            tail = text[position:]
            if any(spelling.startswith(tail) for spelling in exact.get(tail[0], ())):
                return position
            if caseless:
                lowered = tail.lower()
                if any(spelling.startswith(lowered) for spelling in caseless.get(lowered[0], ())):
                    return position
        return len(text)

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


def register(value: str, name: str | None = None) -> None:
    """Register `value` with the process-wide registry (ignored if shorter than 4 characters)."""
    _DEFAULT.register(value, name)


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


def _by_first_character(values: set[str]) -> dict[str, tuple[str, ...]]:
    grouped: dict[str, list[str]] = {}
    for value in values:
        grouped.setdefault(value[0], []).append(value)
    return {first: tuple(group) for first, group in grouped.items()}
