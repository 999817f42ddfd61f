"""A planted secret must not reach the journal file, the event stream or an error (SPEC §5): the value is
registered with the redaction filter as a resolved secret would be, then made to surface through a
provider error, a failing tool and the model's own reply. The journal is checked as bytes on disk after
it is closed, WAL included, so no code path that writes it can slip past."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.engine.engine_helpers import Harness, tool_call

from aixgo_cli.engine.runner import RunOutcome, RunParams
from aixgo_cli.events import event_to_json
from aixgo_cli.providers.errors import ProviderError
from aixgo_cli.secrets.redaction import register
from aixgo_cli.testing.fake_client import ScriptedClient

SECRET = "sk-planted-ENGINE-42"

TOOLS = '''\
def check(token: str) -> str:
    """Check a token."""
    raise ValueError("rejected token sk-planted-ENGINE-42")
'''

WORKFLOW = """\
version: 1
name: secretive
tools:
  - {{name: check, type: python, callable: "{module}:check"}}
agents:
  - name: helper
    role: react
    model: fake/helper
    prompt: Help.
    tools: [check]
    outputs: [echo]
  - name: echo
    role: react
    model: fake/echo
    prompt: Repeat.
"""


@pytest.fixture(autouse=True)
def planted() -> None:
    register(SECRET)


def run(sql: Harness, client: ScriptedClient) -> RunOutcome:
    sql.write(WORKFLOW.format(module=sql.tool_module(TOOLS)))
    return sql.start(client, RunParams(input="please help"))


def journal_bytes(sql: Harness) -> bytes:
    sql.journal.close()
    files = sorted(Path(sql.root).glob("journal.db*"))
    assert files and files[0].name == "journal.db"
    return b"".join(f.read_bytes() for f in files)


def assert_not_in_events(sql: Harness) -> None:
    assert sql.events
    for event in sql.events:
        assert SECRET not in event_to_json(event), event.kind


def test_a_secret_in_a_provider_error_reaches_neither_journal_nor_events_nor_the_error(sql: Harness) -> None:
    outcome = run(
        sql, ScriptedClient([ProviderError(f"echoed key {SECRET}", kind="bad_request", retryable=False, model="m")])
    )

    assert outcome.status == "failed"
    assert outcome.error is not None
    assert "echoed key" in outcome.error.message
    assert SECRET not in outcome.error.message and SECRET not in (outcome.error.hint or "")
    assert SECRET not in str(outcome.error)
    assert_not_in_events(sql)
    data = journal_bytes(sql)
    assert b"echoed key" in data  # the error was journaled, masked
    assert SECRET.encode() not in data


def test_a_secret_in_a_tool_failure_is_masked_before_the_model_and_the_journal_see_it(sql: Harness) -> None:
    client = ScriptedClient([tool_call("check", {"token": "abc"}), "done", "done again"])

    outcome = run(sql, client)

    assert outcome.status == "completed", outcome.error
    tool_result = client.requests[1].messages[-1].content or ""
    assert tool_result.startswith("error: ValueError: rejected token") and SECRET not in tool_result
    assert_not_in_events(sql)
    assert SECRET.encode() not in journal_bytes(sql)


def test_a_secret_in_the_model_reply_is_masked_in_events(sql: Harness) -> None:
    outcome = run(sql, ScriptedClient([f"your key is {SECRET}", "noted"]))

    assert outcome.status == "completed", outcome.error
    assert_not_in_events(sql)


def test_a_secret_in_the_model_reply_never_reaches_the_journal(sql: Harness) -> None:
    outcome = run(sql, ScriptedClient([f"your key is {SECRET}", "noted"]))

    assert outcome.status == "completed", outcome.error
    assert SECRET.encode() not in journal_bytes(sql)
