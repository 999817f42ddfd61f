"""SIGKILL in the middle of looping patterns, then resume: the same result as an uninterrupted run, and
no model call the journal holds as completed is sent again (decisions included: a critic's score, a
supervisor's choice, a plan)."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from tests.patterns.patterns_helpers import workflow
from tests.planner.planner_helpers import plan_reply, step
from tests.support.e2e import Cli

from aixgo_cli.testing.stub_model_server import StubModelServer

pytestmark = pytest.mark.slow

REFLECTION = "pattern: reflection\nconfig: {generator: writer, critic: critic, max_iterations: 3}\n"
REFLECTION_RULES = [
    {"match": r"(?s)^\[critic\].*draft 3", "reply": "Score: 0.3"},
    {"match": r"(?s)^\[critic\].*draft 2", "reply": "Score: 0.2"},
    {"match": r"^\[critic\]", "reply": "Score: 0.1"},
    {"match": r"(?s)^\[writer\].*previous answer:\ndraft 2", "reply": "draft 3"},
    {"match": r"(?s)^\[writer\].*previous answer:\ndraft 1", "reply": "draft 2"},
    {"match": r"^\[writer\]", "reply": "draft 1"},
]
SUPERVISOR = "pattern: supervisor\nagents: [a, b]\nconfig: {supervisor: boss, max_rounds: 5}\n"
BOSS = '  - name: boss\n    role: react\n    model: svc-boss\n    prompt: "[boss] {{ input }}"\n'
SUPERVISOR_RULES = [
    {"match": r"(?s)^\[boss\].*\[b\]\nb-2", "reply": "DONE"},
    {"match": r"(?s)^\[boss\].*\[a\]\na-2", "reply": "b"},
    {"match": r"(?s)^\[boss\].*\[b\]\nb-1", "reply": "a"},
    {"match": r"(?s)^\[boss\].*\[a\]\na-1", "reply": "b"},
    {"match": r"^\[boss\]", "reply": "a"},
    {"match": r"(?s)^\[a\].*b-1", "reply": "a-2"},
    {"match": r"^\[a\]", "reply": "a-1"},
    {"match": r"(?s)^\[b\].*a-2", "reply": "b-2"},
    {"match": r"^\[b\]", "reply": "b-1"},
]
PLANNING = "pattern: planning\nagents: [a, b]\nconfig: {planner: planner, max_steps: 5}\n"
PLANNER = "  - name: planner\n    role: planner\n    model: svc-planner\n    prompt: Plan the work.\n"
PLANNING_RULES = [
    {"match": r"^\[a\]", "reply": "a-done"},
    {"match": r"^\[b\]", "reply": "b-done"},
    {
        "match": "Make a plan for this problem",
        "reply": plan_reply(step(1, "a: first"), step(2, "b: second", [1]), step(3, "a: third", [2])),
    },
]
CASES = {
    "reflection": (["writer", "critic"], REFLECTION, "", REFLECTION_RULES, 6),
    "supervisor": (["a", "b"], SUPERVISOR, BOSS, SUPERVISOR_RULES, 9),
    "planning": (["a", "b"], PLANNING, PLANNER, PLANNING_RULES, 4),
}


def completed_prompts(db: Path, run_id: str) -> set[str]:
    """The last user message of every model call of this run that the journal holds as completed."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        rows = conn.execute(
            "select c.request_json from calls c join runs r on r.id = c.run"
            " where r.run_id = ? and c.kind = 'llm' and c.status = 'completed'",
            (run_id,),
        )
        return {next(m["content"] for m in reversed(json.loads(r)["messages"]) if m["role"] == "user") for (r,) in rows}


def wait_for_requests(stub: StubModelServer, count: int) -> None:
    deadline = time.monotonic() + 60
    while stub.stats()["total"] < count:
        assert time.monotonic() < deadline, "the run never reached the kill point"
        time.sleep(0.005)


def kill(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


@pytest.mark.parametrize("case", sorted(CASES))
def test_sigkill_mid_pattern_then_resume_repeats_no_completed_call(cli: Cli, stub: StubModelServer, case: str) -> None:
    names, orchestration, extra, replies, total_calls = CASES[case]
    cli.write("wf.yaml", workflow(stub, names, orchestration, agents=extra))
    stub.set_rules(replies)
    uninterrupted = cli.run("run", "wf.yaml", "--input", "the task", "--json")
    assert uninterrupted.returncode == 0, uninterrupted.stderr
    expected = json.loads(uninterrupted.stdout)["result"]
    assert expected["stop_reason"] == {"supervisor": "done", "reflection": "max_iterations"}.get(case, "completed")
    assert stub.stats()["total"] == total_calls
    stub.reset()
    stub.set_rules(replies)
    stub.set_latency(0.2)

    run_id = None
    checkpoints: list[tuple[set[str], int]] = []
    for kill_at in (2, 4):
        before = stub.stats()["total"]
        args = ("run", "wf.yaml", "--input", "the task") if run_id is None else ("resume", run_id)
        process = cli.popen(*args)
        wait_for_requests(stub, before + kill_at - (0 if run_id is None else 2))
        kill(process)
        if run_id is None:
            run_id = next(r["run_id"] for r in cli.runs() if r["status"] != "completed")
        checkpoints.append((completed_prompts(cli.db, run_id), stub.stats()["total"]))
    stub.set_latency(0.0)
    assert run_id is not None
    final = cli.run("resume", run_id, "--json")

    assert final.returncode == 0, final.stderr
    assert json.loads(final.stdout)["result"] == expected
    requests = stub.stats()["requests"]
    for done_before, sent_before in checkpoints:
        resent = [r["last_user"] for r in requests[sent_before:] if r["last_user"] in done_before]
        assert resent == [], f"completed calls sent again: {resent}"
    assert len(completed_prompts(cli.db, run_id)) == total_calls
