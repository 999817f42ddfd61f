"""One driver per run, enforced at every write (fencing), and a refused resume that changes nothing.

The takeover is made deterministic by giving the second driver a journal handle whose clock runs past
the first driver's lease, and by running it to completion while the first driver is inside a model call
(exactly where a SIGSTOP or a long pause would leave it). Both drivers use real LiteLLM against the stub.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from tests.engine.engine_helpers import Harness, by_model
from tests.support.e2e import STUB_KEY, stub_service

from aixgo_cli.config.model import load_workflow
from aixgo_cli.engine.runner import LEASE_TTL_S, Runner, RunParams
from aixgo_cli.errors import UserError
from aixgo_cli.events import Event
from aixgo_cli.providers.protocol import LLMClient, TokenCallback
from aixgo_cli.providers.stack import build_client
from aixgo_cli.providers.types import ChatRequest, ChatResponse
from aixgo_cli.store.leases import LeaseLost
from aixgo_cli.store.sqlite_journal import SqliteJournal
from aixgo_cli.testing.stub_model_server import StubModelServer

TWO_STEPS = """\
version: 1
name: fenced
{service}
agents:
  - name: first
    role: react
    model: stub
    prompt: "First: {{{{ input }}}}"
  - name: second
    role: react
    model: stub
    inputs: [first]
    prompt: "Second: {{{{ input }}}}"
"""


class TakenOverMidCall:
    """A client that, on its first call, lets another process take the run and finish it first."""

    def __init__(self, inner: LLMClient, take_over: object) -> None:
        self.inner = inner
        self.take_over = take_over
        self.calls = 0

    def complete(self, request: ChatRequest, *, on_token: TokenCallback | None = None) -> ChatResponse:
        self.calls += 1
        if self.calls == 1:
            assert callable(self.take_over)
            self.take_over()
        return self.inner.complete(request, on_token=on_token)


def test_a_driver_that_lost_its_lease_stops_at_its_next_write_and_overwrites_nothing(
    tmp_path: Path, stub: StubModelServer
) -> None:
    path = tmp_path / "fenced.yaml"
    path.write_text(TWO_STEPS.format(service=stub_service(stub)), encoding="utf-8")
    workflow = load_workflow(path)
    services = [dict(s) for s in workflow.model_services.values()]
    db = tmp_path / "runs.db"
    # FIFO script: the new driver asks first (both of its calls); the paused one's call, were it sent,
    # would come last.
    stub.script(["first by B", "second by B", "first by A"])
    events: list[Event] = []
    outcomes = []

    def other_process_takes_over() -> None:
        later = SqliteJournal(db, clock=lambda: time.time() + LEASE_TTL_S + 1)  # A's lease has expired
        with later:
            run = later.list_runs()[0]
            b = Runner(later, build_client(lambda name: STUB_KEY, services), events.append)
            outcomes.append(b.resume(run, load_workflow(path), RunParams.from_json(run.params_json)))

    with SqliteJournal(db) as journal:
        client = TakenOverMidCall(build_client(lambda name: STUB_KEY, services), other_process_takes_over)
        a = Runner(journal, client, events.append).start(workflow, RunParams(input="x"))

    assert outcomes[0].status == "completed", outcomes[0].error
    assert a.status == "interrupted" and isinstance(a.error, LeaseLost)
    assert "taken over" in a.error.message
    with SqliteJournal(db) as journal:
        run = journal.get_run(a.run_id)
        assert run is not None and run.status == "completed"
        assert run.result_json is not None and json.loads(run.result_json) == "second by B"
        calls = journal.list_calls(a.run_id)
        assert [c.status for c in calls] == ["completed", "completed"]
        assert [json.loads(c.response_json or "{}")["content"] for c in calls] == ["first by B", "second by B"]
        assert journal.get_lease(a.run_id) is None
    # The paused driver was taken over while inside its call, before the request left: the check at the
    # send (`send_gate`) stopped it, so it sent nothing at all.
    prompts = [r["last_user"] for r in stub.stats()["requests"]]
    assert prompts == ["First: x", "Second: first by B"]


@pytest.mark.parametrize("answer", [None, "yes"])
def test_a_resume_refused_because_the_run_is_held_elsewhere_saves_nothing(sql: Harness, answer: str | None) -> None:
    sql.write(TWO_STEPS.format(service="").replace("model: stub", "model: fake/m"))
    first = sql.start(by_model({}), RunParams(input="x", max_steps=1))
    assert first.status == "paused"
    before = sql.journal.get_run(first.run_id)
    assert before is not None
    with SqliteJournal(sql.journal.path) as other:  # type: ignore[attr-defined]
        assert other.acquire_lease(first.run_id, "elsewhere.example:4242:feed", 3600)
        with pytest.raises(UserError, match=r"being driven by elsewhere\.example:4242"):
            sql.runner(by_model({})).resume(before, sql.load(), RunParams(input="x", max_steps=50), answer=answer)
        after = sql.journal.get_run(first.run_id)
        assert after is not None
        assert after.params_json == before.params_json
        assert after.status == "paused"
