"""One prepared model call, and where it is carried out: this process's event loop, or a worker process.

`ModelCall` is everything the HTTP request needs, built by the adapter in the caller's thread; it is plain
data (picklable) so that a worker process can run it. Its `api_key` travels only from the parent to its
own forked workers, over a pipe, never through argv, files or the journal.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Protocol

from aixgo_cli.providers.event_loop import TokenSink, process_loop
from aixgo_cli.providers.model_ref import ResolvedModel
from aixgo_cli.providers.protocol import TokenCallback
from aixgo_cli.providers.types import ChatResponse


@dataclass(frozen=True)
class ModelCall:
    kwargs: dict[str, Any]  # litellm.acompletion's arguments, key included
    resolved: ResolvedModel
    api_key: str | None  # to redact it from errors
    as_tool: bool  # structured output asked as a forced tool call

    @property
    def streamed(self) -> bool:
        return bool(self.kwargs.get("stream"))


# Runs one call on the current process's loop: the adapter's coroutine (see litellm_client.perform).
Performer = Callable[[ModelCall, TokenSink | None], Coroutine[Any, Any, ChatResponse]]


class CallRunner(Protocol):
    def run(self, call: ModelCall, on_token: TokenCallback | None) -> ChatResponse:
        """Carry out `call`, relaying its tokens to `on_token` in the calling thread."""
        ...

    def close(self) -> None:
        """Release what carries the calls out (worker processes); later calls are refused."""
        ...


class InProcessCalls:
    """Every call on this process's event loop."""

    def __init__(self, perform: Performer) -> None:
        self._perform = perform

    def run(self, call: ModelCall, on_token: TokenCallback | None) -> ChatResponse:
        return process_loop().call(lambda sink: self._perform(call, sink), on_token)

    def close(self) -> None:
        """The loop is the process's own and outlives any one client."""
