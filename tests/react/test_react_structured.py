"""Structured output on a react agent: the final answer must validate against the schema; errors are fed
back into the same loop (bounded by structured_output.max_retries, not by max_iterations), and an answer
that never validates fails the step with exit 1, which a resume retries."""

from __future__ import annotations

import json

import pytest
from tests.engine.engine_helpers import Harness, tool_call
from tests.react.react_helpers import QUESTION, act, contents, final, setup, tool_log

from aixgo_cli.engine.runner import RunParams
from aixgo_cli.errors import RunError
from aixgo_cli.testing.fake_client import ScriptedClient

SCHEMA = """\
structured_output:
  max_retries: 1
  schema:
    type: object
    properties:
      status: {type: string, enum: [shipped, delayed]}
    required: [status]
"""
GOOD = {"status": "shipped"}


def test_an_invalid_final_answer_is_fed_back_and_the_corrected_one_returned(engine: Harness) -> None:
    setup(engine, "tool_protocol: text\nmax_iterations: 2", extra=SCHEMA)
    client = ScriptedClient([act(), final({"status": "lost"}), final(GOOD)])

    outcome = engine.start(client, RunParams(input=QUESTION))

    assert outcome.status == "completed", outcome.error
    assert outcome.result == GOOD  # a JSON value, not text
    assert tool_log(engine) == ["A-1"]
    system = client.requests[0].messages[0].content or ""
    assert "Your Final Answer must be a single JSON value that matches this JSON Schema" in system
    role, told = contents(client.requests[2])[-1]
    assert role == "user" and told.startswith("Your Final Answer did not match the required JSON Schema:\n- ")
    assert '$.status: "lost" is not one of "shipped" or "delayed"' in told
    assert contents(client.requests[2])[-2] == ("assistant", final({"status": "lost"}))


def test_an_answer_that_never_validates_fails_with_exit_1_and_resume_asks_again(engine: Harness) -> None:
    setup(engine, extra=SCHEMA)
    client = ScriptedClient([final("not json"), final({"status": "lost"})])

    failed = engine.start(client, RunParams(input=QUESTION))

    assert failed.status == "failed"
    assert isinstance(failed.error, RunError) and failed.error.exit_code == 1
    assert "agent 'support' failed: the model's final answer did not match the expected JSON shape after 2 " in (
        failed.error.message
    )
    assert failed.error.hint is not None and "structured_output.max_retries" in failed.error.hint

    resumed_client = ScriptedClient([final(GOOD)])
    resumed = engine.resume(failed.run_id, resumed_client, interrupted=False)

    assert resumed.status == "completed", resumed.error
    assert resumed.result == GOOD
    assert len(resumed_client.requests) == 1  # the two failed answers were replayed from the journal


def test_native_tool_less_agents_use_the_providers_json_mode(mem: Harness) -> None:
    setup(mem, "", extra=SCHEMA, tools=False)
    client = ScriptedClient([json.dumps(GOOD)])

    outcome = mem.start(client, RunParams(input=QUESTION))

    assert outcome.status == "completed", outcome.error
    assert outcome.result == GOOD
    assert client.requests[0].response_schema is not None
    assert client.requests[0].response_schema["required"] == ["status"]


@pytest.mark.parametrize(("tools", "mode"), [(True, "auto"), (False, "prompt")])
def test_no_json_mode_with_tools_or_in_prompt_mode(mem: Harness, tools: bool, mode: str) -> None:
    setup(mem, "", extra=SCHEMA + f"  mode: {mode}\n", tools=tools)
    client = ScriptedClient(["Here: " + json.dumps(GOOD)])

    outcome = mem.start(client, RunParams(input=QUESTION))

    assert outcome.status == "completed", outcome.error
    assert outcome.result == GOOD  # extracted from the prose
    assert client.requests[0].response_schema is None


def test_native_loop_with_tools_validates_the_final_answer(mem: Harness) -> None:
    setup(mem, "tool_protocol: native", extra=SCHEMA)
    client = ScriptedClient([tool_call("lookup_order", {"order_id": "A-1"}), "shipped!", json.dumps(GOOD)])

    outcome = mem.start(client, RunParams(input=QUESTION))

    assert outcome.status == "completed", outcome.error
    assert outcome.result == GOOD
    assert tool_log(mem) == ["A-1"]
    assert client.requests[2].last_user_text().startswith("Your previous reply did not match the required JSON")
