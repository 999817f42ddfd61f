"""A circuit breaker per provider: stop calling a provider that keeps failing, then probe it.

closed --(N consecutive failures)--> open --(reset timeout)--> half-open --(probe ok)--> closed
                                                                          --(probe fails)--> open

Only failures that say the provider is unwell count: 5xx, timeouts, connection errors, malformed replies.
A 429 means "alive but busy" (the retry layer waits for it) and a 4xx means the request was wrong, so both
count as the provider answering. In half-open state exactly one probe is let through; concurrent callers
fail fast until it returns. The clock is injectable so tests need no sleeping.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from enum import Enum

from aixgo_cli.errors import resume_step
from aixgo_cli.providers.errors import CircuitOpenError, ProviderError
from aixgo_cli.providers.model_ref import ModelResolver
from aixgo_cli.providers.protocol import LLMClient, TokenCallback
from aixgo_cli.providers.types import ChatRequest, ChatResponse

UNHEALTHY_KINDS = frozenset({"server", "timeout", "connection", "malformed"})


class CircuitState(Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    def __init__(
        self,
        name: str,
        *,
        failure_threshold: int = 5,
        reset_timeout_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.failure_threshold = failure_threshold
        self.reset_timeout_s = reset_timeout_s
        self._clock = clock
        self._lock = threading.Lock()
        self._state = CircuitState.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._probe_in_flight = False

    @property
    def state(self) -> CircuitState:
        with self._lock:
            if self._state is CircuitState.OPEN and self._reset_due():
                return CircuitState.HALF_OPEN
            return self._state

    def _reset_due(self) -> bool:
        return self._clock() - self._opened_at >= self.reset_timeout_s

    def before_call(self, model: str) -> None:
        """Raises `CircuitOpenError` when the call must not be made."""
        with self._lock:
            if self._state is CircuitState.CLOSED:
                return
            if self._state is CircuitState.OPEN and self._reset_due():
                self._state = CircuitState.HALF_OPEN
            if self._state is CircuitState.HALF_OPEN and not self._probe_in_flight:
                self._probe_in_flight = True
                return
            remaining = max(0.0, self.reset_timeout_s - (self._clock() - self._opened_at))
        raise CircuitOpenError(
            f"{model}: calls to {self.name} are paused after {self.failure_threshold} consecutive "
            f"failures; the next probe is in {remaining:.0f} s",
            kind="circuit_open",
            retryable=False,
            model=model,
            hint="Check the provider or endpoint, then continue with:",
            next_step=resume_step(),
        )

    def record_success(self) -> None:
        with self._lock:
            self._state = CircuitState.CLOSED
            self._failures = 0
            self._probe_in_flight = False

    def release_probe(self) -> None:
        """End a call that says nothing about the provider's health, without changing the state."""
        with self._lock:
            self._probe_in_flight = False

    def record_failure(self) -> None:
        with self._lock:
            self._failures += 1
            if self._state is CircuitState.HALF_OPEN or self._failures >= self.failure_threshold:
                self._state = CircuitState.OPEN
                self._opened_at = self._clock()
            self._probe_in_flight = False


class CircuitBreakerClient:
    """One `CircuitBreaker` per provider (or per endpoint, when a model service names one)."""

    def __init__(
        self,
        inner: LLMClient,
        resolver: ModelResolver,
        *,
        failure_threshold: int = 5,
        reset_timeout_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._inner = inner
        self._resolver = resolver
        self._settings = (failure_threshold, reset_timeout_s, clock)
        self._breakers: dict[str, CircuitBreaker] = {}
        self._lock = threading.Lock()

    def breaker_for(self, model: str) -> CircuitBreaker:
        key = self._resolver.resolve(model).provider_key
        threshold, reset, clock = self._settings
        with self._lock:
            breaker = self._breakers.get(key)
            if breaker is None:
                breaker = CircuitBreaker(key, failure_threshold=threshold, reset_timeout_s=reset, clock=clock)
                self._breakers[key] = breaker
            return breaker

    def complete(self, request: ChatRequest, *, on_token: TokenCallback | None = None) -> ChatResponse:
        breaker = self.breaker_for(request.model)
        breaker.before_call(request.model)
        try:
            response = self._inner.complete(request, on_token=on_token)
        except ProviderError as exc:
            if exc.kind in UNHEALTHY_KINDS:
                breaker.record_failure()
            else:
                breaker.record_success()
            raise
        except BaseException:
            breaker.release_probe()  # says nothing about the provider (a rejected key, Ctrl-C)
            raise
        breaker.record_success()
        return response
