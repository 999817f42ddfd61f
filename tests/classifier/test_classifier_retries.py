"""A classifier reply that breaks the schema (not JSON, an invented category, a missing field) is fed back
and asked again; one that never validates fails the step with exit 1, and a resume asks the model again
and completes once it answers well. Every attempt is a journaled model call."""

from __future__ import annotations

from tests.classifier.classifier_helpers import answer, labels, workflow
from tests.engine.engine_helpers import Harness
from tests.support.hints import hint_of

from aixgo_cli.engine.runner import RunParams
from aixgo_cli.errors import ExitCode, RunError
from aixgo_cli.events import StepFailed
from aixgo_cli.testing.fake_client import ScriptedClient

TICKET = "The export button crashes the app."


def test_malformed_json_then_valid_completes_with_the_error_fed_back(mem: Harness) -> None:
    mem.write(workflow())
    client = ScriptedClient(['{"category": "technical", "confidence": 0.9', answer("technical", 0.9)])

    outcome = mem.start(client, RunParams(input=TICKET))

    assert outcome.status == "completed", outcome.error
    assert isinstance(outcome.result, dict) and outcome.result["category"] == "technical"
    first, second = client.requests
    assert second.messages[: len(first.messages)] == first.messages  # the same conversation, continued
    assert second.messages[-2].role == "assistant"
    assert second.messages[-2].content == '{"category": "technical", "confidence": 0.9'
    assert "not valid JSON" in (second.messages[-1].content or "")
    assert len(mem.calls(outcome.run_id, "llm")) == 2


def test_an_out_of_enum_category_is_a_schema_violation_and_is_retried(mem: Harness) -> None:
    mem.write(workflow())
    client = ScriptedClient([answer("bug_report", 0.95), answer("technical", 0.95)])

    outcome = mem.start(client, RunParams(input=TICKET))

    assert outcome.status == "completed", outcome.error
    assert isinstance(outcome.result, dict) and outcome.result["category"] == "technical"
    feedback = client.requests[1].messages[-1].content or ""
    assert '$.category: "bug_report" is not one of "billing", "technical" or "general"' in feedback


def test_an_out_of_enum_alternative_and_a_missing_field_are_retried_too(mem: Harness) -> None:
    mem.write(workflow())
    bad_alternative = answer("technical", 0.8, alternatives=[{"category": "bugs", "confidence": 0.1}])
    missing_reasoning = '{"category": "technical", "confidence": 0.8}'
    client = ScriptedClient([bad_alternative, missing_reasoning, answer("technical", 0.8)])

    outcome = mem.start(client, RunParams(input=TICKET))

    assert outcome.status == "completed", outcome.error
    assert "$.alternatives[0].category" in (client.requests[1].messages[-1].content or "")
    assert '"reasoning" is a required property' in (client.requests[2].messages[-1].content or "")


def test_multi_label_out_of_enum_then_valid(mem: Harness) -> None:
    mem.write(workflow("multi_label: true\n"))
    client = ScriptedClient([labels(("technical", 0.9), ("outage", 0.8)), labels(("technical", 0.9))])

    outcome = mem.start(client, RunParams(input=TICKET))

    assert outcome.status == "completed", outcome.error
    assert isinstance(outcome.result, dict)
    assert outcome.result["categories"] == [{"category": "technical", "confidence": 0.9}]
    assert "$.categories[1].category" in (client.requests[1].messages[-1].content or "")


def test_structured_output_max_retries_and_mode_are_honoured(mem: Harness) -> None:
    agent = "structured_output:\n  schema: {type: object}\n  mode: prompt\n  max_retries: 0\n"
    mem.write(workflow(agent_extra=agent))
    client = ScriptedClient([answer("nonsense")])

    outcome = mem.start(client, RunParams(input=TICKET))

    assert outcome.status == "failed"
    assert len(client.requests) == 1
    assert client.requests[0].response_schema is None  # mode: prompt sends no native schema


def test_a_reply_that_never_validates_fails_with_exit_1_and_a_resume_completes(engine: Harness) -> None:
    engine.write(workflow())
    broken = ScriptedClient([answer("refunds"), "not json at all", answer("refunds")])

    first = engine.start(broken, RunParams(input=TICKET))

    assert first.status == "failed"
    assert isinstance(first.error, RunError) and first.error.exit_code == ExitCode.STEP_FAILED
    assert int(ExitCode.STEP_FAILED) == 1
    message = first.error.message
    assert message.startswith("agent 'triage' failed: the model's classification did not match")
    assert "after 3 attempts" in message and '"refunds" is not one of' in message
    assert f"aixgo resume {first.run_id}" in hint_of(first.error)
    assert len(broken.requests) == 3  # one attempt plus the default two retries
    [failed] = engine.of(StepFailed)
    assert failed.agent == "triage"
    assert [u.status for u in engine.units(first.run_id).values()] == ["failed"]

    healthy = ScriptedClient([answer("technical", 0.9)])
    second = engine.resume(first.run_id, healthy, interrupted=False)

    assert second.status == "completed", second.error
    assert isinstance(second.result, dict) and second.result["category"] == "technical"
    # The three recorded attempts are replayed from the journal; only the new one reaches the model, and
    # it continues the conversation that holds the earlier feedback.
    [request] = healthy.requests
    assert request.messages[-1].content is not None and "did not match" in request.messages[-1].content
    assert len(engine.calls(first.run_id, "llm")) == 4
    assert [u.status for u in engine.units(first.run_id).values()] == ["completed"]
    assert engine.output(first.run_id, "main/triage") == second.result


def test_a_completed_classification_is_not_asked_again_on_resume(engine: Harness) -> None:
    engine.write(workflow())
    first = engine.start(ScriptedClient([answer("technical", 0.9)]), RunParams(input=TICKET))
    assert first.status == "completed"

    again = ScriptedClient()
    second = engine.resume(first.run_id, again)

    assert second.result == first.result and again.requests == []
