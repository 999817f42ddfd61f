"""Pauses inside patterns: a member waiting for a human answer pauses the whole flow (exit 5) wherever it
sits, and a limit pauses a looping pattern mid-loop (exit 4); resuming continues exactly there, with no
completed call sent again."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from tests.engine.engine_helpers import Harness
from tests.patterns.patterns_helpers import client, counts, rules, run, workflow

from aixgo_cli.config.model import load_workflow
from aixgo_cli.engine.runner import RunOutcome, RunParams
from aixgo_cli.errors import ExitCode
from aixgo_cli.testing.stub_model_server import StubModelServer

REFUND_TOOL = """\
import pathlib

def refund(order: str) -> str:
    '''Refund an order.'''
    with pathlib.Path(__file__).with_name("refunds.log").open("a") as log:
        log.write(order + "\\n")
    return f"refunded {order}"
"""


def answer(harness: Harness, run_id: str, text: str) -> RunOutcome:
    run = harness.journal.get_run(run_id)
    assert run is not None
    params = RunParams.from_json(run.params_json)
    return harness.runner(client(harness)).resume(run, load_workflow(Path(run.workflow_path)), params, answer=text)


def test_a_member_waiting_for_approval_pauses_the_flow_and_the_answer_continues_there(
    sql: Harness, stub: StubModelServer
) -> None:
    module = sql.tool_module(REFUND_TOOL)
    clerk = """\
  - name: clerk
    role: react
    model: svc-clerk
    prompt: "[clerk] {{ input }}"
    tools: [refund]
    guided_config: {require_confirmation: true}
"""
    tools = f"tools:\n  - name: refund\n    type: python\n    callable: {module}:refund\n"
    orchestration = "pattern: supervisor\nagents: [clerk, writer]\nconfig: {max_rounds: 2}\n"
    text = workflow(stub, ["writer"], orchestration, agents=clerk)
    sql.write(text.replace("agents:\n", tools + "agents:\n", 1))
    stub.set_rules(rules(writer="Refund order A-1."))
    stub.script([{"tool_calls": [{"name": "refund", "arguments": {"order": "A-1"}}]}])

    paused = run(sql, "customer wants a refund")

    assert paused.status == "waiting"
    assert paused.error is not None and paused.error.exit_code == ExitCode.PAUSED_HUMAN
    assert "refund" in paused.error.message
    assert counts(stub) == {"clerk": 1}
    assert not (sql.root / "refunds.log").exists()

    finished = answer(sql, paused.run_id, "yes")

    assert finished.status == "completed", finished.error
    assert (sql.root / "refunds.log").read_text() == "A-1\n"
    transcript = finished.result["transcript"]
    assert [(t["agent"], t["output"]) for t in transcript] == [
        ("clerk", "stub: refunded A-1"),
        ("writer", "Refund order A-1."),
    ]
    assert counts(stub) == {"clerk": 2, "writer": 1}  # the clerk's first call was replayed, not sent again


REFLECTION = "pattern: reflection\nconfig: {generator: writer, critic: critic, max_iterations: 3}\n"


def test_a_step_limit_pauses_a_loop_mid_round_and_a_larger_one_continues_the_same_round(
    sql: Harness, stub: StubModelServer
) -> None:
    stub.set_rules(
        [
            {"match": r"(?s)^\[critic\].*draft 2", "reply": "Score: 0.95"},
            {"match": r"^\[critic\]", "reply": "Score: 0.5"},
            {"match": r"(?s)^\[writer\].*previous answer", "reply": "draft 2"},
            {"match": r"^\[writer\]", "reply": "draft 1"},
        ]
    )
    sql.write(workflow(stub, ["writer", "critic"], REFLECTION))

    paused = run(sql, "a poem", max_steps=3)

    assert paused.status == "paused"
    assert paused.error is not None and paused.error.exit_code == ExitCode.PAUSED_BUDGET
    assert counts(stub) == {"writer": 2, "critic": 1}  # round 2's draft written; its critique not yet asked

    run_record = sql.journal.get_run(paused.run_id)
    assert run_record is not None
    params = replace(RunParams.from_json(run_record.params_json), max_steps=10)
    finished = sql.runner(client(sql)).resume(run_record, load_workflow(Path(run_record.workflow_path)), params)

    assert finished.status == "completed", finished.error
    assert (finished.result["output"], finished.result["iterations"]) == ("draft 2", 2)
    assert counts(stub) == {"writer": 2, "critic": 2}


def test_a_member_waiting_inside_a_nested_parallel_flow_pauses_the_whole_run(
    sql: Harness, stub: StubModelServer
) -> None:
    module = sql.tool_module(REFUND_TOOL)
    clerk = """\
  - name: clerk
    role: react
    model: svc-clerk
    prompt: "[clerk] {{ input }}"
    tools: [refund]
    guided_config: {require_confirmation: true}
"""
    tools = f"tools:\n  - name: refund\n    type: python\n    callable: {module}:refund\n"
    # One member at a time, the clerk first, so the scripted tool call is the clerk's whatever the timing.
    flows = "flows:\n  desk:\n    pattern: parallel\n    agents: [clerk, writer]\n    config: {concurrency_limit: 1}\n"
    orchestration = "pattern: sequential\nagents: [desk]\n"
    text = workflow(stub, ["writer"], orchestration, agents=clerk)
    sql.write(text.replace("agents:\n", tools + "agents:\n", 1).replace("orchestration:\n", flows + "orchestration:\n"))
    stub.set_rules(rules(writer="Refund order A-1."))
    stub.script([{"tool_calls": [{"name": "refund", "arguments": {"order": "A-1"}}]}])

    paused = run(sql, "refund A-1")

    assert paused.status == "waiting", paused.error
    assert counts(stub) == {"clerk": 1} and not (sql.root / "refunds.log").exists()

    finished = answer(sql, paused.run_id, "yes")

    assert finished.status == "completed", finished.error
    assert finished.result == {"clerk": "stub: refunded A-1", "writer": "Refund order A-1."}
    assert (sql.root / "refunds.log").read_text() == "A-1\n"
    assert counts(stub) == {"clerk": 2, "writer": 1}


def test_a_token_limit_pauses_a_supervisor_loop_and_a_larger_one_continues_it(
    sql: Harness, stub: StubModelServer
) -> None:
    stub.set_rules(rules(a="from a", b="from b"))
    sql.write(workflow(stub, ["a", "b"], "pattern: supervisor\nagents: [a, b]\nconfig: {max_rounds: 4}\n"))

    paused = run(sql, "the task", max_tokens=1)

    assert paused.status == "paused"
    assert paused.error is not None and paused.error.exit_code == ExitCode.PAUSED_BUDGET
    assert counts(stub) == {"a": 1}  # round 1 spent the budget; round 2 never asked

    run_record = sql.journal.get_run(paused.run_id)
    assert run_record is not None
    params = replace(RunParams.from_json(run_record.params_json), max_tokens=10**6)
    finished = sql.runner(client(sql)).resume(run_record, load_workflow(Path(run_record.workflow_path)), params)

    assert finished.status == "completed", finished.error
    assert [t["agent"] for t in finished.result["transcript"]] == ["a", "b", "a", "b"]
    assert counts(stub) == {"a": 2, "b": 2}
