"""The one interface the engine sees for model calls.

Synchronous on purpose: the engine fans out by calling `complete` from worker threads
(`concurrent.futures.ThreadPoolExecutor`), which keeps agent code plain and lets LiteLLM's own connection
pooling do the I/O. Every implementation must therefore be **thread-safe**: `complete` may run in many
threads at once on the same instance. `on_token` is called from the calling thread as tokens arrive; the
full response is still returned at the end, so streaming never changes what is recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from aixgo_cli.providers.types import ChatRequest, ChatResponse

TokenCallback = Callable[[str], None]


class LLMClient(Protocol):
    def complete(self, request: ChatRequest, *, on_token: TokenCallback | None = None) -> ChatResponse:
        """Answer one request, or raise `ProviderError` / `ConfigurationError` (see `providers.errors`)."""
        ...
