"""The deterministic parts of planning, without a model: the plan graph's maths, the transcript parser
and the bandit arithmetic of monte_carlo."""

from __future__ import annotations

from typing import Any

import pytest
from tests.planner.planner_helpers import FRAME, RESULT_KEYS, STEP_KEYS

from aixgo_cli.agents.planner.config import PlannerConfig
from aixgo_cli.agents.planner.monte_carlo import Arm, chosen, seed_of, ucb1
from aixgo_cli.agents.planner.structure import (
    Draft,
    critical_path,
    finish,
    levels,
    prerequisite_problems,
    step_of,
    total_complexity,
)
from aixgo_cli.agents.planner.transcript import parse_transcript


def graph(*spec: tuple[list[int], str]) -> list[dict[str, Any]]:
    """Steps numbered 1.. from (prerequisites, complexity) pairs."""
    return [
        {"step_number": n, "prerequisites": pre, "complexity": c, "action": f"s{n}"}
        for n, (pre, c) in enumerate(spec, 1)
    ]


def test_critical_path_follows_the_heaviest_chain_not_the_longest() -> None:
    # 1 -> 2 -> 4 weighs 1+1+1 = 3; 1 -> 3 -> 4 weighs 1+3+1 = 5 although both have three steps.
    steps = graph(([], "low"), ([1], "low"), ([1], "high"), ([2, 3], "low"))
    assert critical_path(steps) == [1, 3, 4]


def test_critical_path_prefers_a_long_light_chain_over_a_short_heavy_one() -> None:
    # 1 -> 2 -> 3 -> 4 (2+2+2+2 = 8) against 5 alone (high: 3).
    steps = graph(([], "medium"), ([1], "medium"), ([2], "medium"), ([3], "medium"), ([], "high"))
    assert critical_path(steps) == [1, 2, 3, 4]


def test_critical_path_ties_go_to_the_lower_step_number() -> None:
    assert critical_path(graph(([], "medium"), ([], "medium"))) == [1]
    assert critical_path(graph(([], "low"), ([], "low"), ([1, 2], "low"))) == [1, 3]
    assert critical_path([]) == []


def test_levels_are_the_topological_levels() -> None:
    steps = graph(([], "low"), ([], "low"), ([1], "low"), ([1, 2], "low"), ([3, 4], "low"), ([], "high"))
    assert levels(steps) == [[1, 2, 6], [3, 4], [5]]
    assert levels(graph(([], "low"), ([1], "low"))) == [[1], [2]]


@pytest.mark.parametrize(
    ("complexities", "expected"),
    [
        (["low"], "low"),
        (["low", "medium"], "medium"),  # mean 1.5 rounds up
        (["low", "low", "medium"], "low"),  # mean 1.33
        (["medium", "high"], "high"),  # mean 2.5 rounds up
        (["medium", "medium", "high"], "medium"),  # mean 2.33
    ],
)
def test_total_complexity_is_the_rounded_mean_weight(complexities: list[str], expected: str) -> None:
    assert total_complexity(graph(*(([], c) for c in complexities))) == expected


def test_prerequisite_problems_name_each_bad_reference() -> None:
    steps = graph(([], "low"), ([2], "low"), ([3, 9], "low"))
    steps.append({"step_number": 7, "prerequisites": [1], "complexity": "low"})
    assert prerequisite_problems(steps) == [
        "step 2 lists itself as a prerequisite",
        "step 3 lists itself as a prerequisite",
        "step 3 lists prerequisite 9, but there are only 4 steps",
        "step 4 is numbered 7: number the steps 1, 2, 3... in order",
    ]
    forward = graph(([2], "low"), ([], "low"))
    assert prerequisite_problems(forward) == [
        "step 1 lists prerequisite 2, a later step: a step may depend only on earlier steps"
    ]
    assert prerequisite_problems(graph(([], "low"), ([1], "low"))) == []


def _finish(parallel: bool) -> dict[str, Any]:
    config = PlannerConfig(parallel=parallel, strategy="tree_of_thought")
    raw = graph(([], "low"), ([], "high"), ([1, 2], "medium"))
    steps = [step_of({**s, "confidence": 0.5}, s["step_number"], config) for s in raw]
    return finish(Draft(dict(FRAME), steps), problem="p", config=config, tokens=42, critique="too vague")


def test_finish_with_parallel_steps_groups_them_and_marks_the_concurrent_ones() -> None:
    result = _finish(parallel=True)
    assert list(result) == RESULT_KEYS
    assert [list(s) for s in result["steps"]] == [STEP_KEYS] * 3
    assert result["parallel_groups"] == [[1, 2], [3]]
    assert [s["can_parallelize"] for s in result["steps"]] == [True, True, False]
    assert result["execution_strategy"] == "parallel_optimized"
    assert result["critical_path"] == [2, 3]
    assert result["total_complexity"] == "medium"
    assert (result["tokens_used"], result["planning_strategy"], result["self_critique"]) == (
        42,
        "tree_of_thought",
        "too vague",
    )


def test_finish_without_parallel_steps_is_sequential_but_keeps_the_critical_path() -> None:
    result = _finish(parallel=False)
    assert result["parallel_groups"] == []
    assert not any(s["can_parallelize"] for s in result["steps"])
    assert result["execution_strategy"] == "sequential"
    assert result["critical_path"] == [2, 3]


TRANSCRIPT = """\
Let me plan this.
Thought 1: We need the content first.
Action 1: Export every Confluence space
Requires: none
Complexity: low
Confidence: 90%
Observation 1: A zip per space.
**Thought 2:** Images may be lost,
so check them.
**Action 2:** Convert pages to Markdown
Alternative: use pandoc | slower but scriptable
Observation 2: Markdown files with images.
- Thought: Publish.
- Action: Deploy the site
Requires: 1, 2
Complexity: High
Observation: The site is live.
Final: every page is served.
Thought: ignored after Final
Action: never read
"""


def test_transcript_parser_reads_blocks_labels_and_defaults() -> None:
    steps, problems = parse_transcript(TRANSCRIPT, max_steps=5)
    assert problems == []
    assert [s["action"] for s in steps] == [
        "Export every Confluence space",
        "Convert pages to Markdown",
        "Deploy the site",
    ]
    assert [s["prerequisites"] for s in steps] == [[], [1], [1, 2]]  # no Requires: the previous action
    assert [s["complexity"] for s in steps] == ["low", "medium", "high"]
    assert [s["confidence"] for s in steps] == [0.9, 0.5, 0.5]
    assert steps[1]["reasoning"] == "Images may be lost,\nso check them."
    assert steps[1]["expected_outcome"] == "Markdown files with images."
    assert steps[1]["alternatives"] == [
        {"action": "use pandoc", "reasoning": "", "trade_offs": "slower but scriptable"}
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Thought: hm\nNo actions here.", "the transcript has no 'Action:' lines"),
        ("Action: a\nObservation: o", "action 1 has no 'Thought:' before it"),
        ("Thought: t\nAction: a\nThought: t2\nAction: b\nObservation: o", "action 1 has no 'Observation:' after it"),
        ("Thought: t\nAction: a\nAction: b\nObservation: o", "action 2 has no 'Thought:' before it"),
        ("Observation: early\nThought: t\nAction: a\nObservation: o", "a 'Observation:' line comes before any Action"),
        ("Thought: t\nAction: a\nRequires: 1\nObservation: o", "action 1 requires 1, which is not an earlier action"),
        ("Thought: t\nAction: a\nRequires: the first one\nObservation: o", "list earlier action numbers, or none"),
        ("Thought: t\nAction: a\nComplexity: huge\nObservation: o", "action 1 has complexity 'huge'"),
        ("Thought: t\nAction: a\nConfidence: very\nObservation: o", "action 1 has confidence 'very'"),
        ("Thought: t\nAction: a\nConfidence: 1.5\nObservation: o", "use a number from 0 to 1"),
        ("Thought: t\nAction: a\nObservation: o\n" * 3, "the transcript has 3 actions; at most 2 are allowed"),
    ],
)
def test_transcript_parser_reports_each_departure_from_the_format(text: str, problem: str) -> None:
    _, problems = parse_transcript(text, max_steps=2)
    assert any(problem in p for p in problems), problems


def test_ucb1_tries_every_arm_first_then_balances_mean_and_exploration() -> None:
    arms = [Arm("a", ""), Arm("b", ""), Arm("c", "")]
    assert ucb1(arms, 0) == 0
    arms[0].visits, arms[0].value = 1, 0.9
    assert ucb1(arms, 1) == 1
    arms[1].visits, arms[1].value = 1, 0.5
    arms[2].visits, arms[2].value = 1, 0.5
    assert ucb1(arms, 3) == 0  # equal exploration terms: the best mean
    arms[0].visits, arms[0].value = 6, 5.4  # mean 0.9, but tried often
    # a: 0.9 + sqrt(2 ln 8 / 6) = 1.731; b and c: 0.5 + sqrt(2 ln 8 / 1) = 2.539; tie -> lower index
    assert ucb1(arms, 8) == 1
    arms[1].live = False
    assert ucb1(arms, 8) == 2


def test_the_most_tried_live_arm_is_chosen() -> None:
    arms = [Arm("a", "", visits=2, value=1.8), Arm("b", "", visits=3, value=1.5), Arm("c", "", visits=3, value=2.1)]
    assert chosen(arms) == 2  # b and c tie on visits; c has the higher mean
    arms[2].live = False
    assert chosen(arms) == 1
    assert chosen([Arm("a", "", visits=0), Arm("b", "", visits=2, value=0.2, live=False)]) == 1


def test_the_seed_depends_on_the_problem_only() -> None:
    assert seed_of("plan a trip") == seed_of("plan a trip")
    assert seed_of("plan a trip") != seed_of("plan a party")
