"""Client-side rate limits: token-bucket arithmetic on a fake clock, and the client layer's waits."""

from __future__ import annotations

import threading

import pytest
from tests.providers.providers_helpers import FakeClock, Sleeps, ask

from aixgo_cli.providers.errors import ProviderError
from aixgo_cli.providers.model_ref import ModelResolver, RateLimits
from aixgo_cli.providers.rate_limit import ModelRateLimiter, RateLimitedClient, TokenBucket, estimate_tokens
from aixgo_cli.testing.fake_client import ScriptedClient


def test_bucket_allows_a_burst_then_asks_to_wait() -> None:
    clock = FakeClock()
    bucket = TokenBucket(60, clock=clock)  # one per second
    assert [bucket.reserve(1) for _ in range(60)] == [0.0] * 60
    assert bucket.reserve(1) == pytest.approx(1.0)
    assert bucket.reserve(1) == pytest.approx(2.0)  # queued behind the previous reservation


def test_bucket_refills_with_time_up_to_capacity() -> None:
    clock = FakeClock()
    bucket = TokenBucket(60, clock=clock)
    for _ in range(60):
        bucket.reserve(1)
    clock.advance(10)
    assert [bucket.reserve(1) for _ in range(10)] == [0.0] * 10
    assert bucket.reserve(1) > 0
    clock.advance(3600)
    assert [bucket.reserve(1) for _ in range(60)] == [0.0] * 60  # capacity, not 3600 tokens
    assert bucket.reserve(1) > 0


def test_bucket_give_back_returns_unused_tokens() -> None:
    clock = FakeClock()
    bucket = TokenBucket(600, clock=clock)
    assert bucket.reserve(600) == 0.0
    assert bucket.reserve(100) == pytest.approx(10.0)
    bucket.give_back(100)
    assert bucket.reserve(100) == pytest.approx(10.0)


def test_bucket_rejects_a_non_positive_limit() -> None:
    with pytest.raises(ValueError, match="positive"):
        TokenBucket(0)


def test_bucket_is_thread_safe() -> None:
    bucket = TokenBucket(1000, clock=FakeClock())
    waits: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(100):
            wait = bucket.reserve(1)
            with lock:
                waits.append(wait)

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # 2000 reservations against 1000 capacity: exactly 1000 immediate, the rest queued without overlap
    assert sum(1 for w in waits if w == 0.0) == 1000
    assert max(waits) == pytest.approx(1000 / (1000 / 60))


def test_model_limiter_takes_the_longer_of_request_and_token_waits() -> None:
    clock = FakeClock()
    limiter = ModelRateLimiter(RateLimits(requests_per_minute=600, tokens_per_minute=600), clock=clock)
    assert limiter.acquire(600) == 0.0
    assert limiter.acquire(60) == pytest.approx(6.0)  # tokens: 60 more at 10/s
    limiter.settle(estimated_tokens=60, actual_tokens=0)
    clock.advance(6)
    assert limiter.acquire(0) == 0.0


def test_estimate_counts_prompt_characters_and_max_tokens() -> None:
    assert estimate_tokens(ask("x" * 400, max_tokens=50)) == 100 + 1 + 50


def services(rpm: int | None = None, tpm: int | None = None) -> ModelResolver:
    limit = {"requests_per_minute": rpm, "tokens_per_minute": tpm}
    return ModelResolver([{"name": "limited", "model": "openai/x", "rate_limit": limit}])


def test_client_waits_when_the_request_limit_is_reached() -> None:
    clock, sleeps = FakeClock(), Sleeps()
    client = RateLimitedClient(ScriptedClient(), services(rpm=2), clock=clock, sleep=sleeps)
    for _ in range(3):
        client.complete(ask("q", model="limited"))
    assert sleeps.calls == [pytest.approx(30.0)]


def test_client_settles_tokens_with_actual_usage() -> None:
    clock, sleeps = FakeClock(), Sleeps()
    # stub usage for "q" is 1 prompt + 2 completion tokens, far below the 1000-token estimate
    client = RateLimitedClient(ScriptedClient(), services(tpm=1200), clock=clock, sleep=sleeps)
    client.complete(ask("q", model="limited", max_tokens=1000))
    client.complete(ask("q", model="limited", max_tokens=1000))
    assert sleeps.calls == []  # without settling, the second call would have waited


def test_client_refunds_the_estimate_of_a_failed_call() -> None:
    clock, sleeps = FakeClock(), Sleeps()
    error = ProviderError("x", kind="server", retryable=True, model="openai/x")
    client = RateLimitedClient(ScriptedClient([error]), services(tpm=1000), clock=clock, sleep=sleeps)
    with pytest.raises(ProviderError):
        client.complete(ask("q", model="limited", max_tokens=999))
    client.complete(ask("q", model="limited", max_tokens=999))
    assert sleeps.calls == []


def test_models_without_limits_are_not_limited() -> None:
    sleeps = Sleeps()
    client = RateLimitedClient(ScriptedClient(), ModelResolver(), clock=FakeClock(), sleep=sleeps)
    for _ in range(1000):
        client.complete(ask("q"))
    assert sleeps.calls == []
