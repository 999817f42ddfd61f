"""A wall-clock bound on model calls (`--timeout`, `limits.timeout`), visible to every layer of the stack.

The engine checks the time limit between steps, but a hung provider, a long `Retry-After` or a backoff
would let a run overrun it by minutes. So the engine sets the run's deadline around each model call, and
the layers that wait read it: the adapter caps the HTTP timeout at the time left, the retry layer never
sleeps past it and gives up at it, the rate limiter never waits past it. When it passes, the layer raises
the engine's own "time limit reached" pause, so the run records the pause and exits 4; the abandoned call
has no result in the journal and is sent again on resume.

A context variable rather than a parameter: the request is journaled and compared on resume, so the
time left (different every run) must not be part of it. Each worker thread sets it around its own call.

The run's cancellation flag (Ctrl-C, SIGTERM, a failed lane) travels the same way, so that a call waiting
on the event loop is cancelled when the run stops instead of running on unseen (`event_loop`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Deadline:
    at: float  # on the time.monotonic() clock
    expired: Callable[[], Exception]  # the error to raise once it has passed

    def remaining(self) -> float:
        return self.at - time.monotonic()


_current: ContextVar[Deadline | None] = ContextVar("aixgo_deadline", default=None)
_cancelled: ContextVar[threading.Event | None] = ContextVar("aixgo_cancelled", default=None)


def current() -> Deadline | None:
    return _current.get()


def cancellation() -> threading.Event | None:
    """The run's cancellation flag for calls made in this context (None: not cancellable)."""
    return _cancelled.get()


@contextmanager
def bounded(deadline: Deadline | None, cancelled: threading.Event | None = None) -> Iterator[None]:
    """Calls made inside the block are bounded by `deadline` (None: unbounded) and stop once
    `cancelled` is set."""
    token = _current.set(deadline)
    cancel_token = _cancelled.set(cancelled)
    try:
        yield
    finally:
        _cancelled.reset(cancel_token)
        _current.reset(token)


def check() -> None:
    """Raise the deadline's error if it has passed."""
    deadline = _current.get()
    if deadline is not None and deadline.remaining() <= 0:
        raise deadline.expired()


def cap(seconds: float) -> float:
    """`seconds`, or the time left if that is shorter (never below a millisecond: 0 means no timeout
    to some HTTP clients)."""
    deadline = _current.get()
    if deadline is None:
        return seconds
    return max(0.001, min(seconds, deadline.remaining()))


def check_wait(seconds: float) -> None:
    """Raise the deadline's error now if waiting `seconds` would pass it: never sleep past the limit."""
    deadline = _current.get()
    if deadline is not None and seconds >= deadline.remaining():
        raise deadline.expired()
