"""planning: a planner agent's plan runs step by step on the members it names; failures continue,
replan or fail as configured, and `max_steps` bounds the steps run."""

from __future__ import annotations

from typing import Any

import pytest
from tests.engine.engine_helpers import Harness
from tests.patterns.patterns_helpers import counts, run, workflow
from tests.planner.planner_helpers import plan_reply, step

from aixgo_cli.testing.stub_model_server import StubModelServer

PLANNER = """\
  - name: planner
    role: planner
    model: svc-planner
    prompt: Plan the work.
"""
WORKERS = ["researcher", "writer"]


def planning(config: str = "") -> str:
    return f"pattern: planning\nagents: [researcher, writer]\nconfig: {{planner: planner, max_steps: 5{config}}}\n"


def plan_rule(match: str, *steps: dict[str, Any]) -> dict[str, Any]:
    return {"match": match, "reply": plan_reply(*steps)}


FIRST = r"Make a plan for this problem"
GOOD_PLAN = (step(1, "researcher: collect facts"), step(2, "writer: write it up", [1]))


def test_planning_runs_each_step_on_the_member_it_names(mem: Harness, stub: StubModelServer) -> None:
    stub.set_rules(
        [
            plan_rule(FIRST, *GOOD_PLAN),
            {"match": r"^\[researcher\]", "reply": "fact: owls hoot"},
            {"match": r"^\[writer\]", "reply": "Owls hoot at night."},
        ]
    )
    mem.write(workflow(stub, WORKERS, planning(), agents=PLANNER))

    outcome = run(mem, "write about owls")

    assert outcome.status == "completed", outcome.error
    result = outcome.result
    assert result["output"] == "Owls hoot at night."
    assert (result["stop_reason"], result["replans"]) == ("completed", 0)
    assert result["plan"] == [
        {"step": 1, "agent": "researcher", "action": "collect facts"},
        {"step": 2, "agent": "writer", "action": "write it up"},
    ]
    assert counts(stub) == {"planner": 1, "researcher": 1, "writer": 1}
    writer = next(r for r in stub.stats()["requests"] if r["model"] == "writer")["last_user"]
    assert writer.startswith("[writer] write it up") and "[step 1]\nfact: owls hoot" in writer
    assert list(mem.units(outcome.run_id)) == [
        "main/orchestration/plan.1:planner",
        "main/orchestration/plan.1.step.1:researcher",
        "main/orchestration/plan.1.step.2:writer",
    ]


def test_planning_replans_after_a_step_names_an_unknown_member(mem: Harness, stub: StubModelServer) -> None:
    stub.set_rules(
        [
            plan_rule(r"An earlier plan for this task failed", step(1, "writer: write from memory")),
            plan_rule(FIRST, step(1, "designer: draw a logo"), step(2, "writer: write it up", [1])),
            {"match": r"^\[writer\]", "reply": "Owls hoot at night."},
        ]
    )
    mem.write(workflow(stub, WORKERS, planning(", replan_on_failure: true, max_replan_attempts: 1"), agents=PLANNER))

    outcome = run(mem, "write about owls")

    assert outcome.status == "completed", outcome.error
    result = outcome.result
    assert (result["output"], result["replans"]) == ("Owls hoot at night.", 1)
    assert [(s["plan"], s["step"], s["status"]) for s in result["steps"]] == [(1, 1, "failed"), (2, 1, "completed")]
    assert "step 1 names no member ('designer')" in result["steps"][0]["error"]
    assert counts(stub) == {"planner": 2, "writer": 1}


def test_planning_continue_on_error_skips_steps_that_need_the_failed_one(mem: Harness, stub: StubModelServer) -> None:
    stub.set_rules(
        [
            plan_rule(FIRST, step(1, "researcher: collect"), step(2, "writer: write", [1]), step(3, "writer: title")),
            {"match": r"^\[researcher\]", "reply": {"status": 400, "message": "bad request"}},
            {"match": r"^\[writer\]", "reply": "A title"},
        ]
    )
    mem.write(workflow(stub, WORKERS, planning(", continue_on_error: true"), agents=PLANNER))

    outcome = run(mem)

    assert outcome.status == "completed", outcome.error
    assert [s["status"] for s in outcome.result["steps"]] == ["failed", "skipped", "completed"]
    assert (outcome.result["output"], outcome.result["stop_reason"]) == ("A title", "failed_steps")
    assert counts(stub) == {"planner": 1, "researcher": 1, "writer": 1}


def test_planning_stops_at_max_steps(mem: Harness, stub: StubModelServer) -> None:
    steps = [step(n, f"writer: part {n}") for n in range(1, 8)]
    stub.set_rules([plan_rule(FIRST, *steps), {"match": r"^\[writer\]", "reply": "done"}])
    mem.write(workflow(stub, WORKERS, planning(), agents=PLANNER))

    outcome = run(mem)

    assert outcome.status == "completed", outcome.error
    assert outcome.result["stop_reason"] == "max_steps"
    assert len(outcome.result["steps"]) == 5
    assert counts(stub) == {"planner": 1, "writer": 5}


@pytest.mark.parametrize("config", ["", ", replan_on_failure: true, max_replan_attempts: 1"])
def test_planning_without_recovery_fails_the_run(mem: Harness, stub: StubModelServer, config: str) -> None:
    stub.set_rules([plan_rule("", step(1, "designer: draw a logo"))])
    mem.write(workflow(stub, WORKERS, planning(config), agents=PLANNER))

    outcome = run(mem)

    assert outcome.status == "failed"
    assert outcome.error is not None and "names no member ('designer'); members: researcher, writer" in (
        outcome.error.message
    )
    assert counts(stub)["planner"] == (2 if config else 1)
