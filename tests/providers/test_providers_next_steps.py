"""Provider errors name the next command as data (`NextStep`), never as text with a placeholder: the
runner fills in the run id and the CLI renders `aixgo resume <run id>` after the hint's prose."""

from __future__ import annotations

from tests.providers.providers_helpers import FakeClock, Sleeps, ask

from aixgo_cli.cli.error_report import shown_hint
from aixgo_cli.errors import AixgoError, resume_step
from aixgo_cli.providers.circuit_breaker import CircuitBreaker
from aixgo_cli.providers.errors import ProviderError, RetriesExhaustedError
from aixgo_cli.providers.retry import RetryingClient, RetryPolicy
from aixgo_cli.providers.workers import decode_error, encode_error
from aixgo_cli.testing.fake_client import ScriptedClient


def checked(error: AixgoError, prose: str) -> None:
    assert error.next_step == resume_step()
    assert error.hint == prose
    assert "RUN_ID" not in (error.hint or "") and "aixgo resume" not in (error.hint or "")
    assert shown_hint(error) == f"{prose} aixgo resume RUN_ID"


def test_retries_exhausted_names_resume_as_data() -> None:
    failing = ProviderError("m: HTTP 503", kind="server", retryable=True, model="m")
    client = RetryingClient(ScriptedClient([failing, failing]), RetryPolicy(max_attempts=2), sleep=Sleeps())
    try:
        client.complete(ask("q"))
    except RetriesExhaustedError as exc:
        checked(exc, "The provider kept failing. Check its status, then continue with:")
        assert exc.attempts == 2
    else:
        raise AssertionError("the retries did not give up")


def test_an_open_circuit_names_resume_as_data() -> None:
    breaker = CircuitBreaker("p", failure_threshold=1, clock=FakeClock())
    breaker.before_call("m")
    breaker.record_failure()
    try:
        breaker.before_call("m")
    except ProviderError as exc:
        checked(exc, "Check the provider or endpoint, then continue with:")
    else:
        raise AssertionError("the circuit did not open")


def test_the_next_step_crosses_the_worker_pipe() -> None:
    original = ProviderError(
        "m: refused", kind="connection", retryable=False, model="m", hint="h", next_step=resume_step()
    )
    back = decode_error(encode_error(original))
    assert isinstance(back, ProviderError) and back.next_step == resume_step()
