"""A tool call bounded by the run's time limit, whatever the tool's own timeout.

A tool's `timeout` (or its default) bounds one call, but a run started with `--timeout 5s` must not sit
in a tool for a minute past it. So, when the run has a time limit, the engine runs the call on a daemon
thread and waits for it until the limit: then it raises the limit's own pause (exit 4), as a model call
does. The call keeps its intent and no result, like any call cut off mid-way: on resume it runs again
only if the tool is idempotent (or with `--rerun-interrupted-tools`). Python cannot stop a running
function from outside, so the call is abandoned, not killed; its thread does not keep the process alive.

Without a time limit the call runs in the lane's own thread, as before. Ctrl-C needs nothing here: the
main thread's wait is interrupted by the signal, and lanes in the pool are left behind at exit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from aixgo_cli.providers.deadline import Deadline
from aixgo_cli.tools.limits import within

T = TypeVar("T")


def run_within(name: str, work: Callable[[], T], deadline: Deadline | None) -> T:
    """`work()`, or the deadline's pause (`deadline.expired()`) if it passes first."""
    if deadline is None:
        return work()
    if deadline.remaining() <= 0:
        raise deadline.expired()
    return within(name, work, deadline.remaining(), deadline.expired)
