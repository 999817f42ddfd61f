"""Model calls spread over worker processes (`--workers N`), each with its own event loop.

Why: one process spends ~2.5 ms of CPU per model call inside LiteLLM (request building, response
parsing), all under one GIL, which caps a wide fan-out at a few hundred calls a second whatever the
provider's speed. Workers are forked after LiteLLM is imported (the import is paid once, and a child
starts in milliseconds); the engine, the retry layer, rate limits, the circuit breaker and the journal stay
in the parent, so there is still one journal writer and every limit holds across workers.

Protocol, over one pipe per worker (pickled by `multiprocessing.connection`):
  parent -> worker: `(call id, ModelCall)` to start a call; `(call id, None)` to cancel it;
  worker -> parent: `(call id, "token", text)`, then `(call id, "done", ChatResponse)` or
                    `(call id, "error", encoded error)`.

A worker never outlives its parent: it asks the kernel for SIGKILL when the parent dies
(PR_SET_PDEATHSIG, Linux), it exits when the pipe closes, and it checks that its parent is still the one
that forked it. It ignores SIGINT: Ctrl-C reaches the whole process group, and the parent decides.
"""

from __future__ import annotations

import asyncio
import atexit
import ctypes
import functools
import gc
import itertools
import os
import queue
import signal
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from multiprocessing.connection import Connection, Pipe
from typing import Any

from aixgo_cli.errors import ConfigurationError
from aixgo_cli.providers import send_gate
from aixgo_cli.providers.errors import ProviderError
from aixgo_cli.providers.event_loop import process_loop, stop_if_cancelled_or_late, wait_slice
from aixgo_cli.providers.model_call import ModelCall, Performer
from aixgo_cli.providers.protocol import TokenCallback
from aixgo_cli.providers.types import ChatResponse

_PR_SET_PDEATHSIG = 1
_PARENT_CHECK_S = 1.0  # how often an idle worker checks that its parent is alive
_ids = itertools.count(1)


def encode_error(exc: BaseException) -> tuple[Any, ...]:
    """An error as plain data (aixgo's errors take keyword arguments, which pickle cannot rebuild)."""
    if isinstance(exc, ProviderError):
        fields = (exc.kind, exc.retryable, exc.model, exc.status_code, exc.retry_after_s, exc.hint, exc.next_step)
        return ("provider", exc.message, *fields)
    if isinstance(exc, ConfigurationError):
        return ("configuration", exc.message, exc.hint, exc.next_step)
    # A bug, not a provider's answer: its text could hold anything, so only its type crosses over.
    return ("unexpected", f"the model call failed in a worker process: {type(exc).__name__}")


def decode_error(data: tuple[Any, ...]) -> Exception:
    if data[0] == "provider":
        message, kind, retryable, model, status, retry_after, hint, next_step = data[1:]
        return ProviderError(
            message,
            kind=kind,
            retryable=retryable,
            model=model,
            status_code=status,
            retry_after_s=retry_after,
            hint=hint,
            next_step=next_step,
        )
    if data[0] == "configuration":
        return ConfigurationError(data[1], hint=data[2], next_step=data[3])
    return ProviderError(data[1], kind="unexpected", retryable=False, model="?")


class WorkerPool:
    """`count` forked workers; each call goes to the one with the fewest calls in flight."""

    def __init__(self, perform: Performer, count: int) -> None:
        self._workers = [_Worker.start(perform) for _ in range(count)]
        atexit.register(self.close)

    @property
    def pids(self) -> list[int]:
        return [w.pid for w in self._workers]

    def run(self, call: ModelCall, on_token: TokenCallback | None) -> ChatResponse:
        send_gate.check_now()  # the last point this process controls: the worker sends at once
        alive = [w for w in self._workers if w.alive]
        if not alive:
            raise ProviderError(
                "every model-call worker process has exited",
                kind="connection",
                retryable=False,
                model=call.resolved.litellm_model,
            )
        return min(alive, key=lambda w: len(w.pending)).run(call, on_token)

    def close(self) -> None:
        """Stop the workers and reap them (idempotent)."""
        for worker in self._workers:
            worker.stop()


class _Worker:
    """The parent's handle on one worker: its pipe, and a reader thread routing replies to callers."""

    def __init__(self, pid: int, conn: Connection) -> None:
        self.pid = pid
        self.alive = True
        self.pending: dict[int, queue.SimpleQueue[tuple[str, Any]]] = {}
        self._conn = conn
        self._send_lock = threading.Lock()
        self._lock = threading.Lock()
        threading.Thread(target=self._read, name=f"aixgo-worker-{pid}", daemon=True).start()

    @classmethod
    def start(cls, perform: Performer) -> _Worker:
        parent_end, child_end = Pipe(duplex=True)
        parent_pid = os.getpid()
        pid = os.fork()
        if pid == 0:  # the worker; it never returns from here
            code = 0
            try:
                parent_end.close()
                gc.enable()  # whatever the parent's start-up had paused, a long-lived worker collects
                _serve(child_end, perform, parent_pid)
            except BaseException:
                code = 1
            finally:
                os._exit(code)  # no atexit handlers, no flushing of the parent's buffers
        child_end.close()
        return cls(pid, parent_end)

    def run(self, call: ModelCall, on_token: TokenCallback | None) -> ChatResponse:
        call_id = next(_ids)
        replies: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        with self._lock:
            self.pending[call_id] = replies
        try:
            self._send((call_id, call))
            while True:
                try:
                    kind, value = replies.get(timeout=wait_slice())
                except queue.Empty:
                    stop_if_cancelled_or_late()
                    continue
                if kind == "token":
                    assert on_token is not None
                    on_token(value)
                elif kind == "done":
                    assert isinstance(value, ChatResponse)
                    return value
                else:
                    raise decode_error(value)
        except BaseException:
            if self.alive:
                self._send((call_id, None))  # cancel it in the worker: its HTTP request is closed
            raise
        finally:
            with self._lock:
                self.pending.pop(call_id, None)

    def _send(self, message: tuple[int, ModelCall | None]) -> None:
        try:
            with self._send_lock:
                self._conn.send(message)
        except OSError:
            self._lost()
            raise ProviderError(
                f"the model-call worker process {self.pid} has exited",
                kind="connection",
                retryable=True,
                model=message[1].resolved.litellm_model if message[1] is not None else "?",
            ) from None

    def _read(self) -> None:
        while True:
            try:
                call_id, kind, value = self._conn.recv()
            except (EOFError, OSError):
                self._lost()
                return
            with self._lock:
                target = self.pending.get(call_id)
            if target is not None:
                target.put((kind, value))

    def _lost(self) -> None:
        """The worker is gone: every call it held fails as a retryable connection error."""
        self.alive = False
        with self._lock:
            waiting = list(self.pending.values())
        gone = encode_error(
            ProviderError(
                f"the model-call worker process {self.pid} exited during the call",
                kind="connection",
                retryable=True,
                model="?",
            )
        )
        for replies in waiting:
            replies.put(("error", gone))

    def stop(self) -> None:
        if self.pid == 0:
            return
        self.alive = False
        self._conn.close()  # the worker reads EOF and exits
        try:
            os.kill(self.pid, signal.SIGTERM)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        self.pid = 0


def _serve(conn: Connection, perform: Performer, parent_pid: int) -> None:
    """The worker's main loop: start each order on this process's event loop, send its results back."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent()
    if os.getppid() != parent_pid:  # the parent died before the kernel could be asked
        return
    loop = process_loop().loop()
    send_lock = threading.Lock()
    running: dict[int, Future[None]] = {}

    def send(message: tuple[int, str, Any]) -> None:
        with send_lock:
            conn.send(message)

    async def carry_out(call_id: int, call: ModelCall) -> None:
        try:
            sink = (lambda text: send((call_id, "token", text))) if call.streamed else None
            response = await perform(call, sink)
        except asyncio.CancelledError:
            raise
        except BaseException as exc:
            send((call_id, "error", encode_error(exc)))
        else:
            send((call_id, "done", response))

    while True:
        if not conn.poll(_PARENT_CHECK_S):
            if os.getppid() != parent_pid:
                return
            continue
        try:
            call_id, call = conn.recv()
        except EOFError:
            return
        if call is None:
            future = running.get(call_id)
            if future is not None:
                future.cancel()
            continue
        started = asyncio.run_coroutine_threadsafe(carry_out(call_id, call), loop)
        running[call_id] = started
        started.add_done_callback(functools.partial(_forget, running, call_id))


def _forget(running: dict[int, Future[None]], call_id: int, _: Future[None]) -> None:
    running.pop(call_id, None)


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent dies (no such request elsewhere: the pipe's
    end of file and the parent check still end the worker)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return


def start_workers(perform: Performer, count: int, prepare: Callable[[], None]) -> WorkerPool:
    """Run `prepare` (the LiteLLM import and warm-up) here, then fork: the children inherit it."""
    prepare()
    return WorkerPool(perform, count)
