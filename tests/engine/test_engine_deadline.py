"""The time limit bounds wall time, not just the gaps between steps: a hung provider, a long
`Retry-After` or a backoff never carries a run past it. The run pauses (exit 4) with the abandoned call
left without a result, and a resume with more time sends that call again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.engine.engine_helpers import Harness
from tests.support.e2e import STUB_KEY, Cli, stub_service

from aixgo_cli.engine.runner import RunParams
from aixgo_cli.errors import RunPaused
from aixgo_cli.providers.stack import build_client
from aixgo_cli.testing.stub_model_server import StubModelServer

ONE_STEP = """\
version: 1
name: bounded
{service}
agents:
  - name: answer
    role: react
    model: stub
    prompt: "Answer: {{{{ input }}}}"
limits:
  timeout: {timeout}
"""


def client_for(h: Harness) -> object:
    return build_client(lambda name: STUB_KEY, [dict(s) for s in h.load().model_services.values()])


@pytest.mark.parametrize(
    "first_reply",
    [
        {"content": "late", "delay": 20},  # a hung provider
        {"status": 429, "retry_after": 30},  # a provider asking for a wait longer than the time left
        {"status": 503},  # backoffs: up to 5 s each, nine of them, against a limit of 1 s
    ],
    ids=["hung", "retry-after", "backoff"],
)
def test_a_model_call_cannot_carry_the_run_past_its_time_limit(
    sql: Harness, stub: StubModelServer, first_reply: dict[str, object]
) -> None:
    service = stub_service(stub).replace(
        "initial_backoff: 10ms, max_backoff: 20ms", "initial_backoff: 5s, max_backoff: 5s"
    )
    service = service.replace("max_attempts: 2", "max_attempts: 10")
    sql.write(ONE_STEP.format(service=service, timeout="1s"))
    stub.script([first_reply] * (10 if first_reply.get("status") == 503 else 1))

    outcome = sql.start(client_for(sql), RunParams(input="q"))  # type: ignore[arg-type]

    assert outcome.status == "paused", outcome.error
    assert isinstance(outcome.error, RunPaused) and "time limit (1 s)" in outcome.error.message
    [call] = sql.calls(outcome.run_id, "llm")
    assert call.status == "failed" and call.response_json is None  # no result: resume sends it again
    assert sql.units(outcome.run_id)["main/answer"].status == "started"

    stub.reset()
    resumed = sql.resume(outcome.run_id, client_for(sql), interrupted=False, timeout_s=600.0)  # type: ignore[arg-type]

    assert resumed.status == "completed", resumed.error
    assert resumed.result == "stub: Answer: q"
    assert [r["last_user"] for r in stub.stats()["requests"]] == ["Answer: q"]


@pytest.mark.slow
def test_the_cli_exits_4_when_a_hung_provider_meets_the_time_limit(cli: Cli, stub: StubModelServer) -> None:
    cli.write("wf.yaml", ONE_STEP.format(service=stub_service(stub), timeout="1s"))
    stub.script([{"content": "late", "delay": 20}])

    done = cli.run("run", "wf.yaml", "--input", "q", "--json", "--timeout", "2s")

    assert done.returncode == 4, done.stderr
    outcome = json.loads(done.stdout)
    assert outcome["status"] == "paused" and "time limit (2 s)" in outcome["error"]
    assert Path(cli.db).exists()
