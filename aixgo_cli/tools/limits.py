"""Per-tool limits applied to every tool, whatever its source: a call timeout and a rate limit.

The timeout: a tool that times itself out (HTTP, MCP) gets `timeout_s` passed to its request; any other
(a Python function, a file tool) runs on a watchdog thread, and a call that outlives the timeout is
reported to the model as a tool error. Python cannot stop a running function from outside, so the
function is abandoned, not killed; the thread is a daemon and does not keep the process alive.

The rate limit (`rate_limit.requests_per_minute`) is shared by every agent and lane of the run: a call
over the limit waits for the oldest call of the last minute to age out.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar

from aixgo_cli.tools.base import Tool, ToolCallError

WINDOW_S = 60.0
T = TypeVar("T")


class RateLimiter:
    def __init__(self, per_minute: int, clock: Any = time.monotonic) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._starts: deque[float] = deque()
        self._lock = threading.Condition()

    def acquire(self) -> None:
        with self._lock:
            while True:
                now = self.clock()
                while self._starts and now - self._starts[0] >= WINDOW_S:
                    self._starts.popleft()
                if len(self._starts) < self.per_minute:
                    self._starts.append(now)
                    return
                self._lock.wait(timeout=WINDOW_S - (now - self._starts[0]))


def bounded(tool: Tool, limiter: RateLimiter | None = None) -> Tool:
    """The tool with its rate limit and (unless it enforces it itself) its timeout applied."""
    run = tool.run
    timeout = None if tool.times_out_itself else tool.timeout_s
    if limiter is None and timeout is None:
        return tool

    def limited(args: dict[str, Any], key: str) -> Any:
        if limiter is not None:
            limiter.acquire()
        if timeout is None:
            return run(args, key)
        return _with_watchdog(tool.name, run, args, key, timeout)

    return replace(tool, run=limited)


def _with_watchdog(name: str, run: Any, args: dict[str, Any], key: str, timeout: float) -> Any:
    return within(
        name,
        lambda: run(args, key),
        timeout,
        lambda: ToolCallError(f"tool '{name}' did not finish within {timeout:g}s (its timeout)"),
    )


def within(name: str, work: Callable[[], T], timeout: float, late: Callable[[], BaseException]) -> T:
    """`work()` on a daemon thread; `late()` is raised if it has not finished after `timeout` seconds (the
    call is then abandoned: Python cannot stop it from outside). Its own exception is raised here."""
    outcome: dict[str, Any] = {}
    finished = threading.Event()

    def target() -> None:
        try:
            outcome["value"] = work()
        except BaseException as exc:  # handed to the caller's thread below
            outcome["error"] = exc
        finally:
            finished.set()

    threading.Thread(target=target, name=f"aixgo-tool-{name}", daemon=True).start()
    if not finished.wait(max(0.0, timeout)):
        raise late()
    if "error" in outcome:
        raise outcome["error"]
    value: T = outcome["value"]
    return value
