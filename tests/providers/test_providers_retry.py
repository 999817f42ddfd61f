"""The retry layer with a scripted inner client, a recording sleep and a seeded RNG: exact and instant."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest
from tests.providers.providers_helpers import Sleeps, ask

from aixgo_cli.cli.error_report import shown_hint
from aixgo_cli.errors import ConfigurationError, RunError, resume_step
from aixgo_cli.providers.errors import ProviderError, RetriesExhaustedError
from aixgo_cli.providers.retry import RetryingClient, RetryNotice, RetryPolicy, backoff_delay, parse_retry_after
from aixgo_cli.testing.fake_client import ScriptedClient


def failure(kind: str = "server", *, retryable: bool = True, retry_after: float | None = None) -> ProviderError:
    return ProviderError(f"boom {kind}", kind=kind, retryable=retryable, model="m", retry_after_s=retry_after)


def test_success_first_time_reports_one_attempt() -> None:
    sleeps = Sleeps()
    response = RetryingClient(ScriptedClient(["ok"]), sleep=sleeps).complete(ask("q"))
    assert (response.content, response.attempts, sleeps.calls) == ("ok", 1, [])


def test_retries_retryable_errors_and_counts_attempts() -> None:
    sleeps = Sleeps()
    inner = ScriptedClient([failure(), failure("timeout"), "ok"])
    client = RetryingClient(inner, RetryPolicy(max_attempts=4), sleep=sleeps, rng=random.Random(1))
    response = client.complete(ask("q"))
    assert response.attempts == 3
    assert len(inner.requests) == 3
    assert len(sleeps.calls) == 2


def test_backoff_is_full_jitter_within_a_doubling_capped_ceiling() -> None:
    policy = RetryPolicy(base_delay_s=1.0, max_delay_s=5.0)
    rng = random.Random(42)
    for failed_attempt, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 5.0), (10, 5.0)]:
        delays = [backoff_delay(policy, failed_attempt, rng) for _ in range(200)]
        assert all(0.0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling * 0.8  # spread over the whole range, not a fixed value


def test_the_same_seed_gives_the_same_waits() -> None:
    def waits() -> list[float]:
        sleeps = Sleeps()
        client = RetryingClient(ScriptedClient([failure(), failure(), "ok"]), sleep=sleeps, rng=random.Random(7))
        client.complete(ask("q"))
        return sleeps.calls

    assert waits() == waits()


def test_retry_after_is_obeyed_exactly() -> None:
    sleeps = Sleeps()
    client = RetryingClient(ScriptedClient([failure("rate_limit", retry_after=7.0), "ok"]), sleep=sleeps)
    assert client.complete(ask("q")).attempts == 2
    assert sleeps.calls == [7.0]


def test_gives_up_after_max_attempts_with_the_exact_count() -> None:
    sleeps = Sleeps()
    inner = ScriptedClient([failure()] * 10)
    with pytest.raises(RetriesExhaustedError) as info:
        RetryingClient(inner, RetryPolicy(max_attempts=3), sleep=sleeps).complete(ask("q"))
    assert info.value.attempts == 3
    assert len(inner.requests) == 3
    assert len(sleeps.calls) == 2
    assert isinstance(info.value, RunError)
    assert "gave up after 3 attempts" in info.value.message
    assert info.value.last.kind == "server"


def test_non_retryable_errors_are_raised_at_once() -> None:
    inner = ScriptedClient([failure("bad_request", retryable=False), "never"])
    with pytest.raises(ProviderError) as info:
        RetryingClient(inner, sleep=Sleeps()).complete(ask("q"))
    assert info.value.kind == "bad_request"
    assert info.value.attempts == 1
    assert len(inner.requests) == 1


def test_configuration_errors_pass_through_untouched() -> None:
    inner = ScriptedClient([ConfigurationError("bad key", hint="aixgo secrets set X")])
    with pytest.raises(ConfigurationError):
        RetryingClient(inner, sleep=Sleeps()).complete(ask("q"))
    assert len(inner.requests) == 1


def test_a_retry_after_longer_than_the_limit_fails_instead_of_sleeping() -> None:
    sleeps = Sleeps()
    inner = ScriptedClient([failure("rate_limit", retry_after=3600.0), "never"])
    with pytest.raises(ProviderError, match="asked to wait 3600 s") as info:
        RetryingClient(inner, RetryPolicy(max_retry_after_s=120.0), sleep=sleeps).complete(ask("q"))
    assert sleeps.calls == []
    assert info.value.retryable is False
    # The next command is data (rendered by the CLI once the runner knows the run id), not text.
    assert info.value.next_step == resume_step()
    assert shown_hint(info.value) == "Wait, then continue with: aixgo resume RUN_ID"


def test_on_retry_is_told_before_each_wait() -> None:
    notices: list[RetryNotice] = []
    client = RetryingClient(
        ScriptedClient([failure("rate_limit", retry_after=2.0), "ok"]), sleep=Sleeps(), on_retry=notices.append
    )
    client.complete(ask("q", model="openai/x"))
    assert [(n.model, n.attempt, n.delay_s, n.error.kind) for n in notices] == [("openai/x", 1, 2.0, "rate_limit")]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("3", 3.0), ("0", 0.0), (" 1.5 ", 1.5), ("-4", 0.0), (None, None), ("", None), ("soon", None)],
)
def test_parse_retry_after_seconds(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, now=0.0) == expected


def test_parse_retry_after_http_date() -> None:
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    later = format_datetime(datetime(2026, 1, 1, 12, 0, 30, tzinfo=UTC), usegmt=True)
    earlier = format_datetime(datetime(2026, 1, 1, 11, 0, 0, tzinfo=UTC), usegmt=True)
    assert parse_retry_after(later, now=now.timestamp()) == 30.0
    assert parse_retry_after(earlier, now=now.timestamp()) == 0.0


def test_an_agents_retry_block_wins_over_the_services_and_the_default() -> None:
    from dataclasses import replace

    from aixgo_cli.providers.model_ref import ModelResolver

    services = [
        {
            "name": "svc",
            "provider": "openai",
            "model": "gpt-4o-mini",
            "retry": {"max_attempts": 3, "initial_backoff": "10ms", "max_backoff": "20ms"},
        }
    ]
    sleeps = Sleeps()
    client = RetryingClient(
        ScriptedClient([failure()] * 5 + ["ok"]), sleep=sleeps, rng=random.Random(1), resolver=ModelResolver(services)
    )
    request = replace(ask("q"), model="svc")
    with pytest.raises(RetriesExhaustedError) as service_limit:
        client.complete(request)
    assert service_limit.value.attempts == 3
    assert all(wait <= 0.02 for wait in sleeps.calls)
    with pytest.raises(RetriesExhaustedError) as agent_limit:
        client.complete(replace(request, retry={"max_attempts": 1}))
    assert agent_limit.value.attempts == 1
    assert client.complete(replace(request, retry={"max_attempts": 2, "initial_backoff": "1ms"})).content == "ok"
