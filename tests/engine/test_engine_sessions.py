"""Conversation sessions in the engine: a react agent sees its earlier exchanges, a run adds its own once
it completes, the history is bounded, and a resumed run reads the history as it stood at its start."""

from __future__ import annotations

import pytest
from tests.engine.engine_helpers import Harness, by_model

from aixgo_cli.engine.runner import RunParams
from aixgo_cli.errors import UserError
from aixgo_cli.providers.types import ChatRequest

CHAT = """\
version: 1
name: chat
session: {key: demo, max_messages: 4}
agents:
  - name: assistant
    role: react
    model: fake/assistant
    prompt: You remember the conversation.
"""


def conversation(request: ChatRequest) -> str:
    said = [m.content for m in request.messages if m.role == "user"]
    return f"heard {len(said)}: {said[-1]}"


def test_each_run_sees_the_earlier_exchanges_of_its_session(mem: Harness) -> None:
    mem.write(CHAT)
    client = by_model({"fake/assistant": conversation})

    first = mem.start(client, RunParams(input="I am Ada"))
    second = mem.start(client, RunParams(input="Who am I?"))
    other = mem.start(client, RunParams(input="Who am I?", session="elsewhere"))

    assert (first.result, second.result, other.result) == (
        "heard 1: I am Ada",
        "heard 2: Who am I?",
        "heard 1: Who am I?",
    )
    messages = client.requests[1].messages
    assert [(m.role, m.content) for m in messages] == [
        ("system", "You remember the conversation."),
        ("user", "I am Ada"),
        ("assistant", "heard 1: I am Ada"),
        ("user", "Who am I?"),
    ]
    assert [(m.role, m.content) for m in mem.journal.session_messages("demo")][-2:] == [
        ("user", "Who am I?"),
        ("assistant", "heard 2: Who am I?"),
    ]


def test_history_is_bounded_by_max_messages(mem: Harness) -> None:
    mem.write(CHAT)
    client = by_model({"fake/assistant": conversation})

    for n in range(4):
        outcome = mem.start(client, RunParams(input=f"turn {n}"))

    assert outcome.result == "heard 3: turn 3"  # two earlier exchanges (4 messages), then this one
    assert len(mem.journal.session_messages("demo")) == 4


def test_a_resumed_run_reads_the_history_as_it_stood_when_it_started(sql: Harness) -> None:
    sql.write(
        CHAT.replace("    prompt:", "    prompt:") + "  - name: echo\n    role: react\n    model: fake/echo\n"
        "    inputs: [assistant]\n    prompt: Repeat.\n"
    )
    client = by_model({"fake/assistant": conversation, "fake/echo": lambda r: "echo"})

    paused = sql.start(client, RunParams(input="first", max_steps=1))
    assert paused.status == "paused"
    sql.start(client, RunParams(input="meanwhile"))  # another run of the session completes
    sent = len(client.requests)
    finished = sql.resume(paused.run_id, client, interrupted=False, max_steps=10)

    assert finished.status == "completed", finished.error
    assert [r.model for r in client.requests[sent:]] == ["fake/echo"]  # the assistant's answer was replayed
    contents = [m.content for m in sql.journal.session_messages("demo") if m.agent == "assistant"]
    assert contents == ["meanwhile", "heard 1: meanwhile", "first", "heard 1: first"]


def test_a_session_name_for_a_workflow_without_a_session_is_refused(mem: Harness) -> None:
    mem.write(CHAT.replace("session: {key: demo, max_messages: 4}\n", ""))

    with pytest.raises(UserError) as refused:
        mem.start(by_model({}), RunParams(input="x", session="demo"))

    assert "keeps no conversation" in refused.value.message
    assert refused.value.hint is not None and "session:" in refused.value.hint
