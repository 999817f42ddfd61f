"""Embedding requests get the same treatment as chat calls: rate limits, retries, the circuit breaker.

A scripted raw embedder and a fake clock stand in for the HTTP layer (the real path is covered over the
stub in test_knowledge_build.py), so waits are asserted without waiting.
"""

from __future__ import annotations

import pytest

from aixgo_cli.providers.embeddings import ResilientEmbeddingClient
from aixgo_cli.providers.errors import CircuitOpenError, ProviderError, RetriesExhaustedError
from aixgo_cli.providers.model_ref import ModelResolver
from aixgo_cli.providers.retry import RetryPolicy

SERVICE = {
    "name": "emb",
    "provider": "openai_compatible",
    "model": "e",
    "api_base": "http://127.0.0.1:9/v1",
    "rate_limit": {"requests_per_minute": 60},
}


class Scripted:
    def __init__(self, *outcomes: Exception | None) -> None:
        self.outcomes = list(outcomes)
        self.calls = 0

    def embed(self, model: str, texts: list[str], *, timeout_s: float | None = None) -> tuple[list[list[float]], int]:
        self.calls += 1
        outcome = self.outcomes.pop(0) if self.outcomes else None
        if outcome is not None:
            raise outcome
        return [[1.0, 0.0] for _ in texts], 10 * len(texts)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def client(raw: Scripted, clock: Clock, attempts: int = 3) -> ResilientEmbeddingClient:
    return ResilientEmbeddingClient(
        raw,
        ModelResolver([SERVICE]),
        policy=RetryPolicy(max_attempts=attempts, base_delay_s=0.5, max_delay_s=1.0),
        sleep=clock.sleep,
        clock=clock,
    )


def server_error(retry_after: float | None = None) -> ProviderError:
    return ProviderError("e: HTTP 500", kind="server", retryable=True, model="e", retry_after_s=retry_after)


def test_requests_wait_for_the_services_rate_limit() -> None:
    clock = Clock()
    embedder = client(Scripted(), clock)
    for _ in range(61):  # the bucket starts with one minute's allowance; the 61st request waits
        embedder.embed("emb", ["a"])
    assert clock.slept == [pytest.approx(1.0)]


def test_retries_honour_retry_after_and_count_attempts() -> None:
    clock = Clock()
    raw = Scripted(server_error(retry_after=7.0), server_error())
    result = client(raw, clock).embed("emb", ["a", "b"])
    assert result.attempts == 3 and raw.calls == 3 and len(result.vectors) == 2
    assert clock.slept[0] == 7.0 and 0.0 <= clock.slept[1] <= 1.0
    assert result.usage.prompt_tokens == 20


def test_a_request_that_keeps_failing_gives_up_then_the_circuit_opens() -> None:
    clock = Clock()
    raw = Scripted(*[server_error() for _ in range(6)])
    embedder = client(raw, clock, attempts=3)
    with pytest.raises(RetriesExhaustedError, match="gave up after 3 attempts"):
        embedder.embed("emb", ["a"])
    with pytest.raises((RetriesExhaustedError, CircuitOpenError)):
        embedder.embed("emb", ["a"])
    calls = raw.calls
    with pytest.raises(CircuitOpenError):  # five failures in a row: the provider is left alone for a while
        embedder.embed("emb", ["a"])
    assert raw.calls == calls


def test_a_bad_request_is_not_retried() -> None:
    raw = Scripted(ProviderError("e: HTTP 400", kind="bad_request", retryable=False, model="e"))
    with pytest.raises(ProviderError, match="HTTP 400"):
        client(raw, Clock()).embed("emb", ["a"])
    assert raw.calls == 1
