"""The per-provider circuit breaker on a fake clock."""

from __future__ import annotations

import pytest
from tests.providers.providers_helpers import FakeClock, ask

from aixgo_cli.errors import ConfigurationError
from aixgo_cli.providers.circuit_breaker import CircuitBreaker, CircuitBreakerClient, CircuitState
from aixgo_cli.providers.errors import CircuitOpenError, ProviderError
from aixgo_cli.providers.model_ref import ModelResolver
from aixgo_cli.testing.fake_client import ScriptedClient


def state(breaker: CircuitBreaker) -> CircuitState:
    """Read through a function so the type checker does not narrow the state across calls."""
    return breaker.state


def server_error(kind: str = "server") -> ProviderError:
    return ProviderError("down", kind=kind, retryable=True, model="m")


def test_opens_after_n_consecutive_failures_then_half_opens_after_the_timeout() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker("openai", failure_threshold=3, reset_timeout_s=30, clock=clock)
    for _ in range(2):
        breaker.before_call("m")
        breaker.record_failure()
    assert state(breaker) is CircuitState.CLOSED
    breaker.before_call("m")
    breaker.record_failure()
    assert state(breaker) is CircuitState.OPEN
    with pytest.raises(CircuitOpenError, match="paused after 3 consecutive failures") as info:
        breaker.before_call("m")
    assert info.value.retryable is False
    clock.advance(30)
    assert state(breaker) is CircuitState.HALF_OPEN


def test_a_success_resets_the_failure_count() -> None:
    breaker = CircuitBreaker("p", failure_threshold=2, clock=FakeClock())
    breaker.record_failure()
    breaker.record_success()
    breaker.record_failure()
    assert state(breaker) is CircuitState.CLOSED


def test_half_open_lets_one_probe_through_and_closes_on_success() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker("p", failure_threshold=1, reset_timeout_s=10, clock=clock)
    breaker.record_failure()
    clock.advance(10)
    breaker.before_call("m")  # the probe
    with pytest.raises(CircuitOpenError):
        breaker.before_call("m")  # a concurrent caller fails fast
    breaker.record_success()
    assert state(breaker) is CircuitState.CLOSED
    breaker.before_call("m")


def test_a_failed_probe_reopens_for_another_full_timeout() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker("p", failure_threshold=1, reset_timeout_s=10, clock=clock)
    breaker.record_failure()
    clock.advance(10)
    breaker.before_call("m")
    breaker.record_failure()
    assert state(breaker) is CircuitState.OPEN
    clock.advance(9)
    with pytest.raises(CircuitOpenError):
        breaker.before_call("m")
    clock.advance(1)
    breaker.before_call("m")


def test_client_keeps_one_breaker_per_provider() -> None:
    clock = FakeClock()
    inner = ScriptedClient([server_error(), server_error()])
    client = CircuitBreakerClient(inner, ModelResolver(), failure_threshold=2, clock=clock)
    for _ in range(2):
        with pytest.raises(ProviderError):
            client.complete(ask("q", model="openai/a"))
    with pytest.raises(CircuitOpenError):
        client.complete(ask("q", model="openai/b"))  # same provider, other model
    assert client.complete(ask("q", model="anthropic/c")).content == "stub: q"
    assert len(inner.requests) == 3  # the fast failure never reached the inner client


def test_client_counts_only_unhealthy_failures() -> None:
    inner = ScriptedClient(
        [
            ProviderError("bad", kind="bad_request", retryable=False, model="m"),
            ProviderError("busy", kind="rate_limit", retryable=True, model="m"),
            ConfigurationError("bad key"),
            server_error("timeout"),
        ]
    )
    client = CircuitBreakerClient(inner, ModelResolver(), failure_threshold=2, clock=FakeClock())
    for _ in range(4):
        with pytest.raises((ProviderError, ConfigurationError)):
            client.complete(ask("q"))
    # only the timeout counted so far: one more unhealthy failure reaches the threshold of 2
    assert state(client.breaker_for("openai/test")) is CircuitState.CLOSED
    inner.add(server_error())
    with pytest.raises(ProviderError):
        client.complete(ask("q"))
    assert state(client.breaker_for("openai/test")) is CircuitState.OPEN
