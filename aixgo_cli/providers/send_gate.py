"""The last check before a model request leaves: does this process still drive the run?

A driver paused past its lease (SIGSTOP, a laptop lid) and then resumed must not send the request it was
preparing when it stopped: another process has taken the run over and sends that call itself. The
journal's fencing refuses the paused driver's next write, but a write comes only after the reply, so
the request would already have gone out (and been paid for). The engine therefore hands each model call
a check (`confirmed_by`), and the check runs as late as our process can put it:

* in `httpx.AsyncClient.send`, which every provider SDK and LiteLLM handler sends through, after LiteLLM
  built the request (its preparation takes milliseconds per call: a stop landing there was the window);
* and again in aiohttp's `StreamWriter.write_headers`, when LiteLLM's aiohttp transport (its default)
  has the connection and is about to write: the hand-over from httpx to aiohttp takes another ~0.3 ms
  with a few calls in flight (0.07 ms left after this check, median, measured with 4 concurrent calls).

A stop that lands after the last check still lets that one request out when the process continues; no
check in our process can close that gap, only the reply is then refused (the journal's fencing).

Both methods are wrapped once per process (`install`); the wrappers read a context variable and do
nothing where none is set (every other HTTP client in the process: MCP, serve, tests). The refusal
travels as `Refused`, a BaseException, so the SDKs' `except Exception` handlers neither retry it nor turn
it into a connection error; `event_loop` unwraps it into the check's own error in the lane. A check costs
one indexed SQLite read (~5 us).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

Check = Callable[[], None]  # raises (the engine's `LeaseLost`) when the request must not be sent

_check: ContextVar[Check | None] = ContextVar("aixgo_send_check", default=None)
_install_lock = threading.Lock()
_installed = threading.Event()  # set once `httpx.AsyncClient.send` is wrapped in this process


class Refused(BaseException):
    """A request stopped by its check before it was sent; `reason` is what the check raised."""

    def __init__(self, reason: Exception) -> None:
        super().__init__(str(reason))
        self.reason = reason


@contextmanager
def confirmed_by(check: Check | None) -> Iterator[None]:
    """Model requests made inside the block are sent only while `check` passes (None: always)."""
    token = _check.set(check)
    try:
        yield
    finally:
        _check.reset(token)


def current() -> Check | None:
    """The check for requests made in this context, to carry into the task that sends them."""
    return _check.get()


def adopt(check: Check | None) -> None:
    """Set `check` in the running task's own context (a task does not see its creator's thread's)."""
    _check.set(check)


def check_now() -> None:
    """Run this context's check now; its error propagates as it is."""
    check = _check.get()
    if check is not None:
        check()


def confirm() -> None:
    """Run this context's check now, raising `Refused` if it fails (inside an HTTP library's call)."""
    try:
        check_now()
    except Exception as exc:
        raise Refused(exc) from None


def install() -> None:
    """Wrap `httpx.AsyncClient.send` so that it runs the context's check first (once per process)."""
    if _installed.is_set():
        return
    with _install_lock:
        if _installed.is_set():
            return
        import httpx  # already loaded with LiteLLM; imported here so that `--help` never loads it

        original = httpx.AsyncClient.send

        @functools.wraps(original)
        async def send(self: httpx.AsyncClient, request: httpx.Request, **kwargs: Any) -> httpx.Response:
            confirm()
            return await original(self, request, **kwargs)

        httpx.AsyncClient.send = send  # type: ignore[method-assign]
        _gate_aiohttp_writes()
        _installed.set()


def _gate_aiohttp_writes() -> None:
    """Check again when aiohttp is about to write the request (awaited inside its `send`, so a refusal
    unwinds its connection handling like a cancellation does)."""
    from aiohttp.http_writer import StreamWriter

    original = StreamWriter.write_headers

    @functools.wraps(original)
    async def write_headers(self: StreamWriter, status_line: str, headers: Any) -> None:
        confirm()
        await original(self, status_line, headers)

    StreamWriter.write_headers = write_headers  # type: ignore[method-assign]
