"""Retries done by aixgo, so that the number of attempts is exact and reported.

LiteLLM and the OpenAI SDK would retry on their own (the SDK silently makes 3 requests by default, and
litellm 1.106's `num_retries` hides the real error behind a tenacity import failure), so the adapter turns
both off and this layer decides: exponential backoff with full jitter (AWS "Exponential Backoff And
Jitter"), except when the provider sent `Retry-After`, which is obeyed as given. A Retry-After longer than
`max_retry_after_s` is not slept through: the call fails and the run can be resumed later. No wait runs
past the run's time limit (`deadline`): the run pauses instead.

A streamed call that fails part-way is retried from the start, so `on_token` may see the first tokens
twice; the returned response is always the complete successful attempt.

`sleep` and `rng` are injectable so tests are deterministic and take no wall time.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from email.utils import parsedate_to_datetime
from typing import Any

from aixgo_cli.config.durations import parse_duration
from aixgo_cli.errors import resume_step
from aixgo_cli.providers import deadline
from aixgo_cli.providers.endpoints import is_local
from aixgo_cli.providers.errors import ProviderError, RetriesExhaustedError
from aixgo_cli.providers.model_ref import ModelResolver
from aixgo_cli.providers.protocol import LLMClient, TokenCallback
from aixgo_cli.providers.types import ChatRequest, ChatResponse


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4
    base_delay_s: float = 1.0
    max_delay_s: float = 30.0
    max_retry_after_s: float = 120.0

    def overridden(self, block: Mapping[str, Any] | None) -> RetryPolicy:
        """This policy with a workflow `retry:` block's settings (agent's or model service's) applied."""
        if not block:
            return self
        return RetryPolicy(
            max_attempts=int(block.get("max_attempts", self.max_attempts)),
            base_delay_s=parse_duration(block.get("initial_backoff", self.base_delay_s), "initial_backoff"),
            max_delay_s=parse_duration(block.get("max_backoff", self.max_delay_s), "max_backoff"),
            max_retry_after_s=self.max_retry_after_s,
        )


@dataclass(frozen=True)
class RetryNotice:
    """Told to `on_retry` before each wait, so the engine can show and record it."""

    model: str
    attempt: int  # the attempt that failed
    delay_s: float
    error: ProviderError


def backoff_delay(policy: RetryPolicy, failed_attempt: int, rng: random.Random) -> float:
    """Full jitter: uniform in [0, min(cap, base * 2^(n-1))] after the n-th failed attempt."""
    ceiling = min(policy.max_delay_s, policy.base_delay_s * 2 ** (failed_attempt - 1))
    return rng.uniform(0.0, ceiling)


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After value: delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


class RetryingClient:
    """Retries `inner` on retryable `ProviderError`s; the response's `attempts` is the exact count."""

    def __init__(
        self,
        inner: LLMClient,
        policy: RetryPolicy | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        on_retry: Callable[[RetryNotice], None] | None = None,
        resolver: ModelResolver | None = None,
    ) -> None:
        self._inner = inner
        self._policy = policy or RetryPolicy()
        self._resolver = resolver
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._on_retry = on_retry

    def policy_for(self, request: ChatRequest) -> RetryPolicy:
        """The agent's `retry:` block, else the service's, else the default policy."""
        block = request.retry
        if not block and self._resolver is not None:
            block = self._resolver.resolve(request.model).retry
        return self._policy.overridden(block)

    def _local(self, request: ChatRequest) -> bool:
        """A timed-out call to a local server is not retried: the server is still busy with the abandoned
        request, and a single-slot server would queue the retry behind it (see `endpoints`)."""
        return self._resolver is not None and is_local(self._resolver.resolve(request.model))

    def complete(self, request: ChatRequest, *, on_token: TokenCallback | None = None) -> ChatResponse:
        policy = self.policy_for(request)
        attempt = 0
        while True:
            attempt += 1
            deadline.check()
            try:
                response = self._inner.complete(request, on_token=on_token)
            except ProviderError as exc:
                exc.attempts = attempt
                deadline.check()  # a timeout caused by the run's time limit is the limit, not the provider
                if not exc.retryable or (exc.kind == "timeout" and self._local(request)):
                    raise
                if attempt >= policy.max_attempts:
                    raise RetriesExhaustedError(exc, attempt) from None
                delay = self._delay(exc, attempt, policy)
                deadline.check_wait(delay)  # never sleep past the run's time limit
                if self._on_retry is not None:
                    self._on_retry(RetryNotice(request.model, attempt, delay, exc))
                self._sleep(delay)
                continue
            return replace(response, attempts=attempt)

    def _delay(self, exc: ProviderError, attempt: int, policy: RetryPolicy) -> float:
        if exc.retry_after_s is None:
            return backoff_delay(policy, attempt, self._rng)
        deadline.check_wait(exc.retry_after_s)
        if exc.retry_after_s > self._policy.max_retry_after_s:
            too_long = ProviderError(
                f"{exc.message} (the provider asked to wait {exc.retry_after_s:.0f} s, longer than "
                f"the {self._policy.max_retry_after_s:.0f} s aixgo waits)",
                kind=exc.kind,
                retryable=False,
                model=exc.model,
                status_code=exc.status_code,
                retry_after_s=exc.retry_after_s,
                hint="Wait, then continue with:",
                next_step=resume_step(),
            )
            too_long.attempts = attempt
            raise too_long from None
        return exc.retry_after_s
