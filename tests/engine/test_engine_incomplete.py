"""Replies cut off by the token limit (finish_reason `length`) and empty replies are visible: an
`incomplete_reply` event (emitted and journaled) and a defined outcome, `warn` (kept; an empty reply is
`""`) by default and `fail` on request; a structured reply that was cut off is retried with "cut off",
not "not valid JSON". Real LiteLLM against the stub."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.engine.engine_helpers import Harness
from tests.support.e2e import STUB_KEY, stub_service
from tests.support.hints import hint_of

from aixgo_cli.config.validate import validate_path
from aixgo_cli.engine.runner import RunParams
from aixgo_cli.errors import RunError
from aixgo_cli.events import IncompleteReply
from aixgo_cli.providers.stack import build_client
from aixgo_cli.testing.stub_model_server import StubModelServer


def workflow(stub: StubModelServer, extra: str = "") -> str:
    return (
        "version: 1\nname: incomplete\n"
        + stub_service(stub)
        + "agents:\n  - name: answer\n    role: react\n    model: stub\n    prompt: 'Q: {{ input }}'\n"
        + "    parameters: {max_tokens: 16}\n"
        + extra
    )


def run(h: Harness, stub: StubModelServer, extra: str = "") -> tuple[object, list[IncompleteReply]]:
    h.write(workflow(stub, extra))
    client = build_client(lambda name: STUB_KEY, [dict(s) for s in h.load().model_services.values()])
    outcome = h.start(client, RunParams(input="x"))
    return outcome, h.of(IncompleteReply)


@pytest.mark.parametrize(
    ("reply", "reason", "result"),
    [
        ({"content": "The answer is forty", "finish_reason": "length"}, "cut_off", "The answer is forty"),
        ({"content": ""}, "empty", ""),
    ],
    ids=["cut-off", "empty"],
)
def test_an_incomplete_reply_is_kept_with_a_warning_by_default(
    sql: Harness, stub: StubModelServer, reply: dict[str, object], reason: str, result: str
) -> None:
    stub.script([reply])
    outcome, notices = run(sql, stub)

    assert outcome.status == "completed", outcome.error  # type: ignore[attr-defined]
    assert outcome.result == result  # type: ignore[attr-defined]
    assert [(n.reason, n.action, n.max_tokens, n.model) for n in notices] == [(reason, "kept", 16, "stub")]
    journaled = [e for e in sql.journal.list_events(outcome.run_id) if e.kind == "incomplete_reply"]  # type: ignore[attr-defined]
    assert len(journaled) == 1 and json.loads(journaled[0].payload_json)["reason"] == reason


def test_incomplete_reply_fail_fails_the_step(sql: Harness, stub: StubModelServer) -> None:
    stub.script([{"content": "The answer is forty", "finish_reason": "length"}])
    outcome, notices = run(sql, stub, "    incomplete_reply: fail\n")

    assert outcome.status == "failed"  # type: ignore[attr-defined]
    error = outcome.error  # type: ignore[attr-defined]
    assert isinstance(error, RunError) and "cut off by the token limit (max_tokens 16)" in error.message
    assert "max_tokens" in hint_of(error) and "aixgo resume" in hint_of(error)
    assert [n.action for n in notices] == ["failed"]


def test_a_cut_off_structured_reply_is_retried_as_cut_off(sql: Harness, stub: StubModelServer) -> None:
    schema = "    structured_output:\n      schema: {type: object, properties: {city: {type: string}}}\n"
    stub.script([{"content": '{"city": "Os', "finish_reason": "length"}, '{"city": "Oslo"}'])
    outcome, notices = run(sql, stub, schema)

    assert outcome.status == "completed", outcome.error  # type: ignore[attr-defined]
    assert outcome.result == {"city": "Oslo"}  # type: ignore[attr-defined]
    feedback = stub.stats()["requests"][1]["last_user"]
    assert "cut off by the token limit (max_tokens 16)" in feedback and "not valid JSON" not in feedback
    assert [n.reason for n in notices] == ["cut_off"]


def test_incomplete_reply_on_an_agent_that_calls_no_model_is_an_unused_key(tmp_path: Path) -> None:
    path = tmp_path / "wf.yaml"
    path.write_text(
        "version: 1\nname: v\nagents:\n  - name: items\n    role: producer\n    incomplete_reply: fail\n"
        "    producer_config: {source: items, items: [a]}\n",
        encoding="utf-8",
    )
    [warning] = [w for w in validate_path(path).warnings if w.code == "unused-key"]
    assert warning.line == 6 and "incomplete_reply" in warning.message
