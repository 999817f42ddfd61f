"""Guided mode: a short journaled verification call after each tool-using turn; `done` asks the model
for its final answer at once, `continue` lets the loop go on; and the loop bound's precedence."""

from __future__ import annotations

import pytest
from tests.engine.engine_helpers import Harness, tool_call
from tests.react.react_helpers import QUESTION, act, final, is_verification, setup, tool_log

from aixgo_cli.agents.react import ReactSettings
from aixgo_cli.agents.react_guided import VERIFY_SYSTEM
from aixgo_cli.agents.react_text import FINAL_NOW, NO_MORE_ACTIONS
from aixgo_cli.engine.runner import RunParams
from aixgo_cli.events import LLMCalled
from aixgo_cli.testing.fake_client import ScriptedClient

GUIDED = """\
guided_config:
  enabled: true
  verification_prompt: "Do we know where the order is?"
"""


def test_continue_then_done_in_the_text_protocol(engine: Harness) -> None:
    setup(engine, extra=GUIDED)
    client = ScriptedClient([act("A-1"), "continue", act("A-2"), "Done.", final("Both shipped.")])

    outcome = engine.start(client, RunParams(input=QUESTION))

    assert outcome.status == "completed", outcome.error
    assert outcome.result == "Both shipped."
    assert tool_log(engine) == ["A-1", "A-2"]
    verifications = [r for r in client.requests if is_verification(r)]
    assert [client.requests.index(r) for r in verifications] == [1, 3]
    check = verifications[1]
    assert (check.temperature, check.max_tokens, check.tools) == (0.1, 16, ())
    assert check.messages[0].content == VERIFY_SYSTEM
    asked = check.messages[1].content or ""
    assert asked.startswith("Do we know where the order is?\n\nTask:\nWhere is order A-1?\n\nSteps so far:\n1. ")
    assert '2. lookup_order {"order_id": "A-2"} -> {"order_id": "A-2", "status": "shipped"}' in asked
    # `done`: the final-answer request is added to the last Observation, not sent as a second user message.
    last = client.requests[4]
    assert last.messages[-1].role == "user" and (last.messages[-1].content or "").endswith("\n\n" + FINAL_NOW)
    assert last.messages[-2].role == "assistant"
    assert len(engine.of(LLMCalled)) == 5 and len(engine.calls(outcome.run_id, "llm")) == 5


def test_after_done_a_further_action_is_refused(mem: Harness) -> None:
    setup(mem, extra=GUIDED)
    client = ScriptedClient([act("A-1"), "done", act("A-2"), final("Shipped.")])

    outcome = mem.start(client, RunParams(input=QUESTION))

    assert outcome.status == "completed", outcome.error
    assert tool_log(mem) == ["A-1"]
    assert client.requests[3].last_user_text() == "Observation: " + NO_MORE_ACTIONS
    assert not any(is_verification(r) for r in client.requests[3:])  # no second verification after done


def test_done_in_the_native_protocol_forbids_further_tool_calls(mem: Harness) -> None:
    setup(mem, "tool_protocol: native", extra=GUIDED)
    client = ScriptedClient([tool_call("lookup_order", {"order_id": "A-1"}), "done", "Shipped."])

    outcome = mem.start(client, RunParams(input=QUESTION))

    assert outcome.status == "completed", outcome.error
    assert outcome.result == "Shipped."
    first, _, last = client.requests
    assert "tool_choice" not in first.params and [t.name for t in first.tools] == ["lookup_order"]
    assert last.params["tool_choice"] == "none"
    assert [m.role for m in last.messages][-3:] == ["assistant", "tool", "user"]
    assert "final answer now" in (last.messages[-1].content or "")


def test_an_unclear_verdict_counts_as_continue(mem: Harness) -> None:
    setup(mem, extra=GUIDED)
    client = ScriptedClient([act(), "Perhaps?", final("Shipped.")])

    outcome = mem.start(client, RunParams(input=QUESTION))

    assert outcome.status == "completed", outcome.error
    assert FINAL_NOW not in client.requests[2].last_user_text()


def test_a_verification_prompt_using_the_input_does_not_repeat_it(mem: Harness) -> None:
    setup(mem, extra='guided_config: {enabled: true, verification_prompt: "Is this answered: {{ input }}?"}')
    client = ScriptedClient([act(), "done", final("Shipped.")])

    outcome = mem.start(client, RunParams(input=QUESTION))

    assert outcome.status == "completed", outcome.error
    asked = client.requests[1].messages[1].content or ""
    assert asked.startswith("Is this answered: Where is order A-1??\n\nSteps so far:")
    assert asked.count(QUESTION) == 1


def test_no_verification_without_guided_mode(mem: Harness) -> None:
    setup(mem)
    client = ScriptedClient([act(), final("Shipped.")])

    assert mem.start(client, RunParams(input=QUESTION)).status == "completed"
    assert not any(is_verification(r) for r in client.requests)


@pytest.mark.parametrize(
    ("react_config", "guided", "bound"),
    [
        ("", "", 8),
        ("", "guided_config: {enabled: true}", 5),
        ("", "guided_config: {enabled: true, max_iterations: 2}", 2),
        ("max_iterations: 3", "guided_config: {enabled: true}", 3),
        ("max_iterations: 3", "guided_config: {max_iterations: 3}", 3),
    ],
)
def test_the_loop_bound_and_its_precedence(mem: Harness, react_config: str, guided: str, bound: int) -> None:
    setup(mem, react_config, extra=guided)
    assert ReactSettings.of(mem.load().agents["support"]).max_iterations == bound
