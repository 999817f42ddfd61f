"""Limits (steps, tokens, money, wall time) pause a run with exit code 4; a resume with a larger limit
finishes it without redoing completed units, and usage spent earlier still counts against the limits."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest
from tests.engine.engine_helpers import Harness, by_model, priced, tool_call
from tests.support.hints import hint_of

from aixgo_cli.engine.budget import Budget, BudgetTracker, Spent
from aixgo_cli.engine.runner import RunParams
from aixgo_cli.errors import ExitCode, RunPaused, resume_step
from aixgo_cli.events import RunFinished, StepFinished
from aixgo_cli.events import RunPaused as RunPausedEvent
from aixgo_cli.providers.types import Usage
from aixgo_cli.testing.fake_client import ScriptedClient

ITEMS = """\
version: 1
name: limited
agents:
  - name: reader
    role: producer
    producer_config:
      source: items
      items: ["one", "two", "three"]
    outputs: [answer]
  - name: answer
    role: react
    model: fake/answer
    prompt: Answer.
  - name: sink
    role: logger
    inputs: [answer]
    logger_config: {{sink: file, path: out.txt}}
{limits}"""


def paid_client() -> ScriptedClient:
    """Every answer costs $0.01 and 15 tokens."""
    return by_model({"fake/answer": lambda r: priced("ok " + r.last_user_text(), cost=0.01)})


def assert_paused(h: Harness, outcome_status: str, error: BaseException | None, words: str) -> None:
    assert outcome_status == "paused"
    assert isinstance(error, RunPaused)
    assert error.exit_code == ExitCode.PAUSED_BUDGET
    assert int(error.exit_code) == 4
    assert words in error.message
    paused = h.of(RunPausedEvent)
    assert len(paused) == 1 and words in paused[0].reason
    assert h.of(RunFinished)[-1].status == "paused"


def test_max_steps_pauses_and_a_larger_limit_finishes_without_redoing_units(engine: Harness) -> None:
    engine.write(ITEMS.format(limits="limits:\n  max_steps: 3\n"))
    first = engine.start(paid_client(), RunParams(concurrency=1))

    assert_paused(engine, first.status, first.error, "step limit (3)")
    assert first.error is not None
    assert first.error.next_step == resume_step(first.run_id, "--max-steps", "6")  # data, rendered by the CLI
    assert f"aixgo resume {first.run_id} --max-steps 6" in hint_of(first.error)
    units = engine.units(first.run_id)
    assert set(units) == {"source/reader", "reader[0]/answer", "reader[0]/sink"}
    run = engine.journal.get_run(first.run_id)
    assert run is not None and run.status == "paused" and run.error is not None and "step limit" in run.error
    assert "run_paused" in [e.kind for e in engine.journal.list_events(first.run_id)]

    rest = paid_client()
    second = engine.resume(first.run_id, rest, interrupted=False, max_steps=100)

    assert second.status == "completed", second.error
    assert second.result == ["ok one", "ok two", "ok three"]
    assert [r.last_user_text() for r in rest.requests] == ["two", "three"]
    assert all(u.attempt == 1 for u in engine.units(first.run_id).values())
    assert (second.spent.steps, second.spent.cached_steps) == (4, 3)
    assert (engine.root / "out.txt").read_text(encoding="utf-8").splitlines() == ["ok one", "ok two", "ok three"]


def test_resuming_with_the_same_step_limit_pauses_again_at_once(mem: Harness) -> None:
    mem.write(ITEMS.format(limits="limits:\n  max_steps: 3\n"))
    first = mem.start(paid_client(), RunParams(concurrency=1))
    mem.events.clear()

    client = paid_client()
    again = mem.resume(first.run_id, client, interrupted=False)

    assert_paused(mem, again.status, again.error, "step limit (3)")
    assert client.requests == []
    assert len(mem.units(first.run_id)) == 3
    assert all(e.cached for e in mem.of(StepFinished))


def test_max_cost_pauses_before_the_call_that_would_exceed_it(engine: Harness) -> None:
    engine.write(ITEMS.format(limits="limits:\n  max_cost_usd: 0.015\n"))
    client = paid_client()
    first = engine.start(client, RunParams(concurrency=1))

    assert_paused(engine, first.status, first.error, "budget ($0.0150)")
    assert len(client.requests) == 2  # $0.01 spent < $0.015 allows the second call, not a third
    assert first.spent.cost_usd == pytest.approx(0.02)
    assert first.error is not None and "--budget-usd 0.03" in hint_of(first.error)
    run = engine.journal.get_run(first.run_id)
    assert run is not None and run.cost_usd == pytest.approx(0.02)

    rest = paid_client()
    second = engine.resume(first.run_id, rest, interrupted=False, max_cost_usd=1.0)

    assert second.status == "completed", second.error
    assert len(rest.requests) == 1
    assert second.spent.cost_usd == pytest.approx(0.03)  # the earlier spend is counted once


def test_max_tokens_pauses(mem: Harness) -> None:
    mem.write(ITEMS.format(limits="limits:\n  max_tokens: 20\n"))
    client = paid_client()

    outcome = mem.start(client, RunParams(concurrency=1))

    assert_paused(mem, outcome.status, outcome.error, "token limit (20)")
    assert len(client.requests) == 2
    assert outcome.spent.tokens == 30


def test_a_params_limit_overrides_the_workflow_limit(mem: Harness) -> None:
    mem.write(ITEMS.format(limits="limits:\n  max_steps: 100\n"))

    outcome = mem.start(paid_client(), RunParams(concurrency=1, max_steps=1))

    assert_paused(mem, outcome.status, outcome.error, "step limit (1)")
    assert set(mem.units(outcome.run_id)) == {"source/reader"}


def test_the_time_limit_pauses_and_a_resume_with_more_time_finishes(engine: Harness) -> None:
    engine.write(ITEMS.format(limits="limits:\n  timeout: 0s\n"))
    assert engine.load().limits.timeout_s == 0.0
    client = paid_client()

    first = engine.start(client, RunParams(concurrency=1))

    assert_paused(engine, first.status, first.error, "time limit (0 s)")
    assert client.requests == [] and engine.units(first.run_id) == {}

    second = engine.resume(first.run_id, client, interrupted=False, timeout_s=3600.0)

    assert second.status == "completed", second.error
    assert len(client.requests) == 3


def test_a_budget_reached_inside_a_tool_loop_pauses_mid_unit_and_resumes_there(engine: Harness) -> None:
    module = engine.tool_module('def ping() -> str:\n    """Ping."""\n    return "pong"\n')
    engine.write(f"""\
        version: 1
        name: looped
        tools:
          - {{name: ping, type: python, callable: "{module}:ping"}}
        agents:
          - name: pinger
            role: react
            model: fake/pinger
            prompt: Ping.
            tools: [ping]
        limits:
          max_cost_usd: 0.01
        """)
    expensive = replace(tool_call("ping", {}), usage=Usage(10, 5, 0.02, True))
    client = ScriptedClient([expensive, "never sent"])

    first = engine.start(client, RunParams(input="go"))

    assert_paused(engine, first.status, first.error, "budget")
    assert len(client.requests) == 1
    [unit] = engine.units(first.run_id).values()
    assert unit.status == "started"
    assert [(c.kind, c.status) for c in engine.calls(first.run_id)] == [("llm", "completed"), ("tool", "completed")]

    rest = ScriptedClient(["pong received"])
    second = engine.resume(first.run_id, rest, interrupted=False, max_cost_usd=1.0)

    assert second.status == "completed", second.error
    assert second.result == "pong received"
    assert len(rest.requests) == 1 and rest.requests[0].messages[-1].content == "pong"


def test_concurrent_lanes_never_start_more_steps_than_the_limit(engine: Harness) -> None:
    engine.write(
        ITEMS.format(limits="limits:\n  max_steps: 4\n").replace('["one", "two", "three"]', str(list("abcdefgh")))
    )

    outcome = engine.start(paid_client(), RunParams(concurrency=4))

    assert outcome.status == "paused"
    assert len(engine.units(outcome.run_id)) <= 4


def test_only_as_many_steps_as_allowed_can_begin_at_once() -> None:
    tracker = BudgetTracker(Budget(max_steps=4), Spent(), "r1")
    start = threading.Barrier(10)
    outcomes: list[str] = []

    def take() -> None:
        start.wait(timeout=10)
        try:
            tracker.begin_step()
            outcomes.append("began")
        except RunPaused:
            outcomes.append("paused")

    threads = [threading.Thread(target=take) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert sorted(outcomes) == ["began"] * 4 + ["paused"] * 6
    assert tracker.spent.steps == 4
