"""The standard client stack, assembled in one place so every caller gets the same order.

recording -> retries -> circuit breaker -> rate limits -> LiteLLM. Recording sits outside the retries so a
cassette holds final answers (with their attempt counts); the breaker and the rate limiter sit inside them
so that every attempt is limited and every failed attempt counts. A replay uses the cassette alone: no
layer below it can reach the network.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from aixgo_cli.providers.cassette import RecordingClient, ReplayingClient, keep_text
from aixgo_cli.providers.circuit_breaker import CircuitBreakerClient
from aixgo_cli.providers.litellm_client import LiteLLMClient
from aixgo_cli.providers.model_ref import ModelResolver
from aixgo_cli.providers.protocol import LLMClient
from aixgo_cli.providers.rate_limit import RateLimitedClient
from aixgo_cli.providers.retry import RetryingClient, RetryNotice, RetryPolicy


def build_client(
    get_secret: Callable[[str], str],
    model_services: Iterable[Mapping[str, Any]] = (),
    *,
    retry_policy: RetryPolicy | None = None,
    breaker_failure_threshold: int = 5,
    breaker_reset_timeout_s: float = 30.0,
    default_timeout_s: float | None = None,
    record_to: Path | None = None,
    replay_from: Path | None = None,
    scrub: Callable[[str], str] | None = None,
    missing_secrets: Sequence[str] = (),
    on_retry: Callable[[RetryNotice], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    rng: random.Random | None = None,
    workers: int = 1,
) -> LLMClient:
    """`scrub` is the secret filter (for cassette lines and provider errors); `missing_secrets` names the
    keys a replayed cassette stands in for; `workers` > 1 spreads the HTTP requests over that many worker
    processes (every layer above the adapter stays in this one)."""
    if replay_from is not None:
        return ReplayingClient(replay_from, scrub=scrub or keep_text, missing_secrets=missing_secrets)
    resolver = ModelResolver(model_services)
    client: LLMClient = LiteLLMClient(
        get_secret, resolver, default_timeout_s=default_timeout_s, scrub=scrub, workers=workers
    )
    client = RateLimitedClient(client, resolver, clock=clock, sleep=sleep)
    client = CircuitBreakerClient(
        client,
        resolver,
        failure_threshold=breaker_failure_threshold,
        reset_timeout_s=breaker_reset_timeout_s,
        clock=clock,
    )
    client = RetryingClient(client, retry_policy, sleep=sleep, rng=rng, on_retry=on_retry, resolver=resolver)
    if record_to is not None:
        client = RecordingClient(client, record_to, scrub=scrub or keep_text)
    return client
