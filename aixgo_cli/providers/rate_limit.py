"""Client-side rate limits per model: requests per minute and tokens per minute.

Token buckets with *reservations*: a caller takes what it needs under the lock (the balance may go
negative) and is told how long to wait; it then waits outside the lock. Concurrent workers therefore queue
fairly without holding the lock while sleeping, and the arithmetic is testable with a fake clock and no
threads. A bucket starts full (one minute's allowance as burst).

Tokens are not known before a call, so a request reserves an estimate (prompt characters / 4 plus
`max_tokens`) and settles the difference once the provider reports usage; a failed call returns its
estimate.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from aixgo_cli.providers import deadline
from aixgo_cli.providers.model_ref import ModelResolver, RateLimits
from aixgo_cli.providers.protocol import LLMClient, TokenCallback
from aixgo_cli.providers.types import ChatRequest, ChatResponse


class TokenBucket:
    def __init__(self, per_minute: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        if per_minute <= 0:
            raise ValueError("a rate limit must be positive")
        self.capacity = float(per_minute)
        self.rate_per_s = per_minute / 60.0
        self._clock = clock
        self._balance = self.capacity
        self._updated = clock()
        self._lock = threading.Lock()

    def _refill(self) -> None:
        now = self._clock()
        self._balance = min(self.capacity, self._balance + (now - self._updated) * self.rate_per_s)
        self._updated = now

    def reserve(self, amount: float) -> float:
        """Take `amount` now; returns the seconds to wait before using it (0 when available)."""
        with self._lock:
            self._refill()
            self._balance -= amount
            return 0.0 if self._balance >= 0 else -self._balance / self.rate_per_s

    def give_back(self, amount: float) -> None:
        """Return unused tokens (or, with a negative amount, charge extra ones)."""
        with self._lock:
            self._refill()
            self._balance = min(self.capacity, self._balance + amount)


class ModelRateLimiter:
    """The request and token buckets of one model."""

    def __init__(self, limits: RateLimits, *, clock: Callable[[], float] = time.monotonic) -> None:
        rpm, tpm = limits.requests_per_minute, limits.tokens_per_minute
        self.requests = TokenBucket(rpm, clock=clock) if rpm else None
        self.tokens = TokenBucket(tpm, clock=clock) if tpm else None

    def acquire(self, estimated_tokens: int) -> float:
        """Reserve one request and the estimated tokens; returns the seconds to wait."""
        wait = self.requests.reserve(1) if self.requests else 0.0
        if self.tokens:
            wait = max(wait, self.tokens.reserve(estimated_tokens))
        return wait

    def settle(self, estimated_tokens: int, actual_tokens: int) -> None:
        if self.tokens:
            self.tokens.give_back(estimated_tokens - actual_tokens)


def estimate_tokens(request: ChatRequest) -> int:
    chars = sum(len(m.content or "") for m in request.messages)
    return chars // 4 + 1 + (request.max_tokens or 0)


class RateLimitedClient:
    """Waits as each model's limits require before calling `inner`."""

    def __init__(
        self,
        inner: LLMClient,
        resolver: ModelResolver,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._inner = inner
        self._resolver = resolver
        self._clock = clock
        self._sleep = sleep
        self._limiters: dict[str, ModelRateLimiter] = {}
        self._lock = threading.Lock()

    def _limiter(self, model: str) -> ModelRateLimiter | None:
        limits = self._resolver.resolve(model).rate_limits
        if not limits.any:
            return None
        with self._lock:
            limiter = self._limiters.get(model)
            if limiter is None:
                limiter = self._limiters[model] = ModelRateLimiter(limits, clock=self._clock)
            return limiter

    def complete(self, request: ChatRequest, *, on_token: TokenCallback | None = None) -> ChatResponse:
        limiter = self._limiter(request.model)
        if limiter is None:
            return self._inner.complete(request, on_token=on_token)
        estimate = estimate_tokens(request)
        wait = limiter.acquire(estimate)
        if wait > 0:
            try:
                deadline.check_wait(wait)
            except BaseException:
                limiter.settle(estimate, 0)
                raise
            self._sleep(wait)
        try:
            response = self._inner.complete(request, on_token=on_token)
        except BaseException:
            limiter.settle(estimate, 0)
            raise
        limiter.settle(estimate, response.usage.total_tokens)
        return response
