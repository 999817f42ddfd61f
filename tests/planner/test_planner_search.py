"""backward_chaining, hierarchical_plan and monte_carlo through the engine, with a scripted model: the
calls each makes, the budgets that bound them, and how the pieces become one plan."""

from __future__ import annotations

import json
import random
from typing import Any

from tests.engine.engine_helpers import Harness
from tests.planner.planner_helpers import (
    FRAME,
    PROBLEM,
    RESULT_KEYS,
    run,
    scores,
    simple_plan,
    step,
    user_text,
    workflow,
)

from aixgo_cli.agents.planner.monte_carlo import seed_of
from aixgo_cli.agents.planner.prompts import EMPHASES


def goal(action: str = "switch the domain", state: str = "the wiki is served from the docs site") -> str:
    final = {"action": action, "reasoning": "last", "complexity": "low", "confidence": 0.9}
    return json.dumps({**FRAME, "goal_state": state, "final_step": final})


def preconditions(*items: tuple[str, str, bool]) -> str:
    return json.dumps(
        {
            "preconditions": [
                {
                    "condition": condition,
                    "action": action,
                    "reasoning": f"needed: {condition}",
                    "complexity": "medium",
                    "confidence": 0.7,
                    "primitive": primitive,
                }
                for condition, action, primitive in items
            ]
        }
    )


def test_backward_chaining_decomposes_breadth_first_and_reverses_into_forward_steps(mem: Harness) -> None:
    config = "planning_strategy: backward_chaining\nreasoning_depth: 2\nparallelizable_steps: true\n"
    replies = [
        goal(),
        preconditions(("pages are converted", "convert the pages", False), ("the site exists", "build the site", True)),
        preconditions(("spaces are exported", "export the spaces", True), ("images are saved", "save images", False)),
    ]
    outcome, client = run(mem, workflow(config), replies)

    assert outcome.status == "completed", outcome.error
    result = outcome.result
    assert list(result) == RESULT_KEYS
    steps = result["steps"]
    assert [s["action"] for s in steps] == [
        "export the spaces",
        "save images",
        "convert the pages",
        "build the site",
        "switch the domain",
    ]
    assert [s["prerequisites"] for s in steps] == [[], [], [1, 2], [], [3, 4]]
    assert steps[2]["expected_outcome"] == "pages are converted"
    assert steps[4]["expected_outcome"] == "the wiki is served from the docs site"
    assert result["parallel_groups"] == [[1, 2, 4], [3], [5]]
    assert result["critical_path"] == [1, 3, 5]
    # 'save images' is not primitive but lies at the depth limit; 'build the site' is primitive: no calls.
    assert len(client.requests) == 3
    second_level = user_text(client.requests[2])
    assert "- pages are converted (reached by: convert the pages)" in second_level
    assert "- the wiki is served from the docs site (reached by: switch the domain)" in second_level
    assert "before 'convert the pages'" in second_level


def test_backward_chaining_stops_decomposing_at_max_steps(mem: Harness) -> None:
    config = "planning_strategy: backward_chaining\nreasoning_depth: 5\nmax_steps: 3\n"
    replies = [goal(), preconditions(("a", "do a", False), ("b", "do b", False))]
    outcome, client = run(mem, workflow(config), replies)

    assert outcome.status == "completed", outcome.error
    assert len(outcome.result["steps"]) == 3
    assert len(client.requests) == 2  # the plan is full: a and b are not decomposed
    schema = client.requests[1].response_schema
    assert schema is not None
    assert schema["properties"]["preconditions"]["maxItems"] == 2


def phases(*specs: tuple[str, list[int]]) -> str:
    items = [
        {
            "phase_number": n,
            "name": name,
            "objective": f"{name} done",
            "depends_on": deps,
            "complexity": "high",
            "confidence": 0.6,
        }
        for n, (name, deps) in enumerate(specs, 1)
    ]
    return json.dumps({**FRAME, "phases": items})


def substeps(*prerequisites: list[int], label: str = "s") -> str:
    return json.dumps({"steps": [step(n, f"{label}{n}", pre) for n, pre in enumerate(prerequisites, 1)]})


def test_hierarchical_plan_expands_each_phase_and_flattens_the_dependencies(mem: Harness) -> None:
    config = "planning_strategy: hierarchical_plan\nmax_steps: 7\nparallelizable_steps: true\n"
    replies = [
        phases(("Export", []), ("Site", []), ("Cut over", [1, 2])),
        substeps([], [1], label="e"),
        substeps([], [], [1, 2], label="t"),
        substeps([], [1], label="c"),
    ]
    outcome, client = run(mem, workflow(config), replies)

    assert outcome.status == "completed", outcome.error
    steps = outcome.result["steps"]
    assert [s["action"] for s in steps] == ["e1", "e2", "t1", "t2", "t3", "c1", "c2"]
    assert [s["prerequisites"] for s in steps] == [[], [1], [], [], [3, 4], [2, 5], [6]]
    assert steps[5]["reasoning"] == "Phase 3 (Cut over): why c1"
    assert outcome.result["parallel_groups"] == [[1, 3, 4], [2, 5], [6], [7]]
    # Each phase may use its share of what is left, keeping one step for every later phase.
    limits = [r.response_schema["properties"]["steps"]["maxItems"] for r in client.requests[1:] if r.response_schema]
    assert limits == [3, 3, 2]
    assert "Break phase 2 (Site: Site done)" in user_text(client.requests[2])


def test_hierarchical_plan_keeps_phases_whole_when_there_is_no_room(mem: Harness) -> None:
    config = "planning_strategy: hierarchical_plan\nmax_steps: 3\n"
    outcome, client = run(mem, workflow(config), [phases(("A", []), ("B", [1]), ("C", [2]))])

    assert outcome.status == "completed", outcome.error
    assert len(client.requests) == 1
    steps = outcome.result["steps"]
    assert [s["action"] for s in steps] == ["A: A done", "B: B done", "C: C done"]
    assert [s["prerequisites"] for s in steps] == [[], [1], [2]]
    assert [s["complexity"] for s in steps] == ["high"] * 3


def test_hierarchical_plan_feeds_back_a_phase_that_depends_on_a_later_one(mem: Harness) -> None:
    config = "planning_strategy: hierarchical_plan\nmax_steps: 2\n"
    outcome, client = run(mem, workflow(config), [phases(("A", [2]), ("B", [])), phases(("A", []), ("B", [1]))])

    assert outcome.status == "completed", outcome.error
    assert "phase 1 lists prerequisite 2, a later phase" in user_text(client.requests[1])


def approaches(*names: str) -> str:
    return json.dumps({"approaches": [{"name": n, "summary": f"{n} summary"} for n in names]})


def mcts_script(marks: list[float]) -> list[Any]:
    replies: list[Any] = [approaches("A", "B")]
    for n, mark in enumerate(marks, 1):
        replies += [simple_plan(f"r{n}-"), scores(mark)]
    return replies


def tried(requests: list[Any]) -> list[str]:
    """Which approach each rollout followed, in order."""
    rollouts = [user_text(r) for r in requests if "Follow this approach." in user_text(r)]
    return [text.split("Follow this approach. ")[1][0] for text in rollouts]


def test_monte_carlo_selects_by_ucb1_and_keeps_the_most_tried_approach(mem: Harness) -> None:
    config = "planning_strategy: monte_carlo\nsimulations: 4\n"
    outcome, client = run(mem, workflow(config), mcts_script([6, 8, 7, 9]))

    assert outcome.status == "completed", outcome.error
    assert len(client.requests) == 1 + 2 * 4
    # A (untried), B (untried), B (0.8 + 1.177 > 0.6 + 1.177), A (0.6 + 1.482 > 0.75 + 1.048)
    assert tried(client.requests) == ["A", "B", "B", "A"]
    # A and B are tried twice each with the same mean 0.75: A (lower index) wins, with its best rollout.
    assert outcome.result["steps"][0]["action"] == "r4-1"
    assert outcome.result["planning_strategy"] == "monte_carlo"
    rng = random.Random(seed_of(PROBLEM))
    drawn = [EMPHASES[rng.randrange(len(EMPHASES))] for _ in range(4)]
    rollouts = [user_text(r) for r in client.requests if "Follow this approach." in user_text(r)]
    assert [f"emphasise {d}." in text for d, text in zip(drawn, rollouts, strict=True)] == [True] * 4
    judge_schema = client.requests[2].response_schema
    assert judge_schema is not None and judge_schema["properties"]["scores"]["maxItems"] == 1


def test_monte_carlo_backtracking_abandons_a_weak_approach(mem: Harness) -> None:
    marks = [4.5, 4, 4.5, 4, 6]
    plain, plain_client = run(mem, workflow("planning_strategy: monte_carlo\nsimulations: 5\n"), mcts_script(marks))
    assert tried(plain_client.requests) == ["A", "B", "A", "B", "A"]
    assert plain.result["steps"][0]["action"] == "r5-1"

    config = "planning_strategy: monte_carlo\nsimulations: 5\nenable_backtracking: true\n"
    outcome, client = run(mem, workflow(config), mcts_script(marks))
    assert tried(client.requests) == ["A", "B", "A", "B", "B"]  # A (mean 0.45 after two) is abandoned
    assert outcome.result["steps"][0]["action"] == "r5-1"
    assert outcome.status == "completed"


def test_monte_carlo_with_one_approach_spends_every_simulation_on_it(mem: Harness) -> None:
    config = "planning_strategy: monte_carlo\nsimulations: 2\n"
    replies = [approaches("A"), simple_plan("x"), scores(5), simple_plan("y"), scores(7)]
    outcome, client = run(mem, workflow(config), replies)
    assert outcome.status == "completed", outcome.error
    assert tried(client.requests) == ["A", "A"]
    assert outcome.result["steps"][0]["action"] == "y1"
