"""One event loop per process for model calls, and the bridge the engine's lane threads call it through.

Why: a synchronous `litellm.completion` per thread costs more CPU per call (~3.4 ms against ~2.5 ms on one
loop, measured on 2 cores) and opens a connection for almost every call (978 for 1,001 calls in 100
threads); `litellm.acompletion` on one loop shares its pooled clients, so connections are reused.

The engine stays synchronous: a lane thread hands a coroutine to the loop (`run_coroutine_threadsafe`)
and waits for it. While it waits it relays streamed tokens to `on_token` in its own thread (so a slow or
failing callback never stalls the loop, and its errors reach the caller as they are), and it watches the
run's cancellation and time limit (see `deadline`): on either, the coroutine is cancelled, which closes
its HTTP request, rather than left running in the background.

The loop thread is a daemon started on first use; after a `fork` the child starts its own.
"""

from __future__ import annotations

import asyncio
import os
import queue
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from aixgo_cli.errors import RunInterrupted, resume_step
from aixgo_cli.providers import deadline, send_gate
from aixgo_cli.providers.protocol import TokenCallback

T = TypeVar("T")
TokenSink = Callable[[str], None]  # thread-safe: the coroutine calls it on the loop thread
# How often a waiting lane looks at the run's cancellation flag (a threading.Event cannot wake it).
CANCEL_CHECK_S = 0.2


class _Done:
    """Put on a call's token queue when its coroutine has finished, whatever the outcome."""


_DONE = _Done()


class EventLoopThread:
    """A private event loop running forever on a daemon thread, one per process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pid = 0

    def loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or self._pid != os.getpid():  # none yet, or inherited through fork
                self._loop = asyncio.new_event_loop()
                self._pid = os.getpid()
                ready = threading.Event()
                loop = self._loop

                def serve() -> None:
                    asyncio.set_event_loop(loop)
                    loop.call_soon(ready.set)
                    loop.run_forever()

                threading.Thread(target=serve, name="aixgo-model-loop", daemon=True).start()
                ready.wait()
            return self._loop

    def call(
        self,
        make: Callable[[TokenSink | None], Coroutine[Any, Any, T]],
        on_token: TokenCallback | None = None,
    ) -> T:
        """Run `make(sink)` on the loop and return its result, from any thread but the loop's own.

        `sink` (None unless `on_token` is given) queues tokens that this thread then passes to
        `on_token`. Cancellation and the time limit are those `deadline.bounded` set for this thread."""
        tokens: queue.SimpleQueue[str | _Done] = queue.SimpleQueue()
        check = send_gate.current()

        async def finished_marked() -> T:
            send_gate.adopt(check)  # the task has its own context: carry this lane's check into it
            try:
                return await make(tokens.put if on_token is not None else None)
            finally:
                tokens.put(_DONE)

        future = asyncio.run_coroutine_threadsafe(finished_marked(), self.loop())
        try:
            while True:
                try:
                    item = tokens.get(timeout=wait_slice())
                except queue.Empty:
                    stop_if_cancelled_or_late()
                    continue
                if isinstance(item, _Done):
                    break
                assert on_token is not None
                on_token(item)
        except BaseException:
            future.cancel()  # the HTTP request is closed, not left to finish unseen
            raise
        try:
            return future.result()
        except send_gate.Refused as refused:
            raise refused.reason from None


def wait_slice() -> float | None:
    """How long to block before looking at cancellation and the time limit again (None: no need to)."""
    limit = deadline.current()
    slice_s: float | None = CANCEL_CHECK_S if deadline.cancellation() is not None else None
    if limit is not None:
        left = max(0.0, limit.remaining())
        slice_s = left if slice_s is None else min(slice_s, left)
    return slice_s


def stop_if_cancelled_or_late() -> None:
    """Raise the run's interruption, or its time limit's pause, if either has come."""
    cancelled = deadline.cancellation()
    if cancelled is not None and cancelled.is_set():
        raise RunInterrupted("interrupted during a model call", hint="continue with:", next_step=resume_step())
    deadline.check()


_process_loop = EventLoopThread()


def process_loop() -> EventLoopThread:
    """This process's model-call loop."""
    return _process_loop
