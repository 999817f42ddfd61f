"""A step that fails ends the run as 'failed' with a RunError that names the resume command; what
completed stays completed, and a resume with the cause fixed redoes only what failed."""

from __future__ import annotations

import pytest
from tests.engine.engine_helpers import Harness, by_model, user_text
from tests.support.hints import hint_of

from aixgo_cli.engine.runner import RunParams
from aixgo_cli.errors import ConfigurationError, ExitCode, RunError, UserError
from aixgo_cli.events import StepFailed
from aixgo_cli.providers.errors import ProviderError
from aixgo_cli.providers.types import ChatRequest
from aixgo_cli.testing.fake_client import ScriptedClient

LANES = """\
version: 1
name: lanes
agents:
  - name: reader
    role: producer
    producer_config:
      source: items
      items: ["alpha", "beta", "gamma"]
    outputs: [answer]
  - name: answer
    role: react
    model: fake/answer
    prompt: "Answer: {{ input }}"
  - name: sink
    role: logger
    inputs: [answer]
    logger_config: {sink: file, path: out.txt}
"""


def failing_on_beta(error: BaseException) -> ScriptedClient:
    def answer(request: ChatRequest) -> str:
        if "beta" in user_text(request):
            raise error
        return "ok " + user_text(request)

    return by_model({"fake/answer": answer})


def healthy() -> ScriptedClient:
    return by_model({"fake/answer": lambda r: "ok " + user_text(r)})


@pytest.mark.parametrize(
    "hint",
    [None, "The provider kept failing. Check its status, then continue with: aixgo resume RUN_ID"],
    ids=["no-hint", "placeholder-hint"],
)
def test_a_provider_error_fails_the_run_and_the_resume_redoes_only_that_lane(engine: Harness, hint: str | None) -> None:
    engine.write(LANES)
    error = ProviderError("HTTP 500 from the provider", kind="server", retryable=True, model="fake/answer", hint=hint)

    first = engine.start(failing_on_beta(error), RunParams(concurrency=1))

    assert first.status == "failed"
    assert isinstance(first.error, RunError) and first.error.exit_code == ExitCode.STEP_FAILED
    assert "agent 'answer' failed" in first.error.message and "HTTP 500" in first.error.message
    assert f"aixgo resume {first.run_id}" in hint_of(first.error)
    assert "RUN_ID" not in hint_of(first.error)
    run = engine.journal.get_run(first.run_id)
    assert run is not None and run.status == "failed" and run.error is not None and "HTTP 500" in run.error
    units = {place: u.status for place, u in engine.units(first.run_id).items()}
    assert units == {
        "source/reader": "completed",
        "reader[0]/answer": "completed",
        "reader[0]/sink": "completed",
        "reader[1]/answer": "failed",
    }  # lanes run one at a time here, and no new lane starts after a failure
    failed_calls = [c for c in engine.calls(first.run_id, "llm") if c.status == "failed"]
    assert len(failed_calls) == 1 and failed_calls[0].error is not None and "HTTP 500" in failed_calls[0].error
    [step_failed] = engine.of(StepFailed)
    assert step_failed.place == "reader[1]/answer" and "HTTP 500" in step_failed.error

    client = healthy()
    second = engine.resume(first.run_id, client, interrupted=False)

    assert second.status == "completed", second.error
    assert second.result == ["ok Answer: alpha", "ok Answer: beta", "ok Answer: gamma"]
    assert [user_text(r) for r in client.requests] == ["Answer: beta", "Answer: gamma"]
    attempts = {place: u.attempt for place, u in engine.units(first.run_id).items()}
    assert attempts["reader[1]/answer"] == 2
    assert all(n == 1 for place, n in attempts.items() if place != "reader[1]/answer")
    lines = (engine.root / "out.txt").read_text(encoding="utf-8").splitlines()
    assert sorted(lines) == ["ok Answer: alpha", "ok Answer: beta", "ok Answer: gamma"]


def test_lanes_under_way_finish_when_another_lane_fails(engine: Harness) -> None:
    engine.write(LANES)
    error = ProviderError("HTTP 500", kind="server", retryable=True, model="fake/answer")

    first = engine.start(failing_on_beta(error))  # three lanes at once

    assert first.status == "failed"
    units = {place: u.status for place, u in engine.units(first.run_id).items()}
    assert units["reader[0]/answer"] == units["reader[0]/sink"] == "completed"  # started before beta failed
    assert units["reader[1]/answer"] == "failed"
    gamma_ran = "reader[2]/answer" in units
    if gamma_ran:  # gamma is dropped only if it had not started when beta failed
        assert units["reader[2]/answer"] == units["reader[2]/sink"] == "completed"

    client = healthy()
    second = engine.resume(first.run_id, client, interrupted=False)

    assert second.status == "completed", second.error
    expected = ["Answer: beta"] if gamma_ran else ["Answer: beta", "Answer: gamma"]
    assert sorted(user_text(r) for r in client.requests) == expected


def test_an_unexpected_exception_in_a_step_is_a_run_error_too(mem: Harness) -> None:
    mem.write(LANES)

    outcome = mem.start(failing_on_beta(ValueError("bad byte")), RunParams(concurrency=1))

    assert outcome.status == "failed"
    assert isinstance(outcome.error, RunError)
    assert "ValueError: bad byte" in outcome.error.message
    assert f"aixgo resume {outcome.run_id}" in hint_of(outcome.error)
    assert mem.units(outcome.run_id)["reader[1]/answer"].status == "failed"
    assert "reader[2]/answer" not in mem.units(outcome.run_id)  # sequential lanes stop at the failure


def test_a_rejected_key_keeps_its_exit_code_and_names_both_commands(mem: Harness) -> None:
    mem.write(LANES)
    rejected = ConfigurationError("the provider rejected OPENAI_API_KEY", hint="aixgo secrets set OPENAI_API_KEY")

    outcome = mem.start(by_model({"fake/answer": rejected}), RunParams(concurrency=1))

    assert outcome.status == "failed"
    assert isinstance(outcome.error, ConfigurationError) and outcome.error.exit_code == ExitCode.CREDENTIALS
    assert hint_of(outcome.error) == f"aixgo secrets set OPENAI_API_KEY; then: aixgo resume {outcome.run_id}"


def test_a_template_that_cannot_compile_stops_before_any_run_or_call(mem: Harness) -> None:
    mem.write(LANES.replace('"Answer: {{ input }}"', '"Answer: {{ input | no_such_filter }}"'))
    client = healthy()

    with pytest.raises(UserError) as caught:
        mem.start(client)

    assert "agent 'answer'" in caught.value.message
    assert client.requests == []
    assert mem.journal.list_runs() == []


def test_a_second_driver_is_refused_while_the_lease_is_held(sql: Harness) -> None:
    sql.write(LANES)
    first = sql.start(healthy())
    assert sql.journal.acquire_lease(first.run_id, "otherhost:1", 30.0)

    with pytest.raises(UserError) as caught:
        sql.resume(first.run_id, healthy())

    assert "otherhost:1" in caught.value.message
    assert f"aixgo resume {first.run_id}" in hint_of(caught.value)
