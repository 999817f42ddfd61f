"""chain_of_thought, tree_of_thought and react_planning through the engine, with a scripted model: which
calls each makes, what they ask, and the plan that comes out."""

from __future__ import annotations

import json

from tests.engine.engine_helpers import Harness
from tests.planner.planner_helpers import (
    FRAME,
    PROBLEM,
    RESULT_KEYS,
    STEP_KEYS,
    plan_reply,
    run,
    scores,
    simple_plan,
    step,
    system_text,
    user_text,
    workflow,
)
from tests.support.hints import hint_of

from aixgo_cli.agents.planner.prompts import EMPHASES


def test_chain_of_thought_is_one_structured_call_and_returns_the_full_shape(mem: Harness) -> None:
    reply = plan_reply(
        step(1, "export spaces", complexity="low"),
        step(2, "convert pages", [1], "high"),
        step(3, "set up the site", complexity="medium"),
        step(4, "publish", [2, 3], "low", can_parallelize=True, critical=True),  # extra fields are dropped
    )
    outcome, client = run(mem, workflow(), [reply])

    assert outcome.status == "completed", outcome.error
    result = outcome.result
    assert list(result) == RESULT_KEYS
    assert [list(s) for s in result["steps"]] == [STEP_KEYS] * 4
    assert result["problem"] == PROBLEM
    assert result["analysis"] == FRAME["analysis"]
    assert result["steps"][3]["prerequisites"] == [2, 3]
    assert result["critical_path"] == [1, 2, 4]  # 1+3+1 beats 2+1
    assert result["parallel_groups"] == []  # parallelizable_steps defaults to false
    assert result["execution_strategy"] == "sequential"
    assert result["total_complexity"] == "medium"
    assert result["planning_strategy"] == "chain_of_thought"
    assert result["self_critique"] is None
    assert result["estimated_duration"] == "three weeks"
    assert result["tokens_used"] == outcome.spent.tokens > 0

    (request,) = client.requests
    assert (request.temperature, request.max_tokens) == (0.7, 2000)
    assert request.response_schema is not None
    assert request.response_schema["properties"]["steps"]["maxItems"] == 20
    assert PROBLEM in user_text(request)
    assert "expert planner" in system_text(request)


def test_tree_of_thought_writes_distinct_branches_scores_them_once_and_keeps_the_best(mem: Harness) -> None:
    config = "planning_strategy: tree_of_thought\nreasoning_depth: 3\n"
    replies = [simple_plan("a"), simple_plan("b"), simple_plan("c"), scores(6, 9, 9)]
    outcome, client = run(mem, workflow(config), replies)

    assert outcome.status == "completed", outcome.error
    assert [s["action"] for s in outcome.result["steps"]] == ["b1", "b2"]  # 9 = 9: the earlier branch
    assert outcome.result["planning_strategy"] == "tree_of_thought"
    assert len(client.requests) == 4
    branch_prompts = [user_text(r) for r in client.requests[:3]]
    assert len(set(branch_prompts)) == 3
    for prompt, emphasis in zip(branch_prompts, EMPHASES, strict=False):
        assert f"emphasise {emphasis}" in prompt
    judge = user_text(client.requests[3])
    assert "Candidate 1:" in judge and "Candidate 3:" in judge and '"b1"' in judge
    assert client.requests[3].response_schema is not None
    assert client.requests[3].response_schema["properties"]["scores"]["minItems"] == 3


def test_tree_of_thought_scores_must_cover_each_branch_once(mem: Harness) -> None:
    config = "planning_strategy: tree_of_thought\nreasoning_depth: 2\n"
    twice = json.loads(scores(5, 5))
    twice["scores"][1]["candidate"] = 1
    outcome, client = run(mem, workflow(config), [simple_plan("a"), simple_plan("b"), json.dumps(twice), scores(2, 8)])

    assert outcome.status == "completed", outcome.error
    assert outcome.result["steps"][0]["action"] == "b1"
    feedback = user_text(client.requests[3])
    assert "candidate 1 is scored more than once" in feedback and "candidate 2 has no score" in feedback


def test_tree_of_thought_backtracks_once_when_every_branch_is_weak(mem: Harness) -> None:
    config = "planning_strategy: tree_of_thought\nreasoning_depth: 2\nenable_backtracking: true\n"
    replies = [simple_plan("a"), simple_plan("b"), scores(3, 4, weakness="vague"), simple_plan("c"), scores(3, 4, 7)]
    outcome, client = run(mem, workflow(config), replies)

    assert outcome.status == "completed", outcome.error
    assert outcome.result["steps"][0]["action"] == "c1"
    assert len(client.requests) == 5
    retry = user_text(client.requests[3])
    assert "attempt 1: vague 1" in retry and "attempt 2: vague 2" in retry
    assert "Candidate 3:" in user_text(client.requests[4])


def test_tree_of_thought_does_not_backtrack_from_a_good_branch(mem: Harness) -> None:
    config = "planning_strategy: tree_of_thought\nreasoning_depth: 2\nenable_backtracking: true\n"
    outcome, client = run(mem, workflow(config), [simple_plan("a"), simple_plan("b"), scores(5, 4)])
    assert outcome.status == "completed", outcome.error
    assert outcome.result["steps"][0]["action"] == "a1"
    assert len(client.requests) == 3


REACT_TRANSCRIPT = """\
Thought: Content first.
Action: Export every space
Complexity: low
Confidence: 0.9
Observation: One archive per space.
Thought: The site can be set up meanwhile.
Action: Set up the docs site
Requires: none
Observation: An empty site builds.
Thought: Now convert.
Action: Convert and publish
Requires: 1, 2
Complexity: high
Observation: Every page is live.
Final: all pages served.
"""


def test_react_planning_analyses_then_parses_the_transcript_into_steps(mem: Harness) -> None:
    config = "planning_strategy: react_planning\nparallelizable_steps: true\n"
    outcome, client = run(mem, workflow(config), [json.dumps(FRAME), REACT_TRANSCRIPT])

    assert outcome.status == "completed", outcome.error
    result = outcome.result
    assert [s["action"] for s in result["steps"]] == [
        "Export every space",
        "Set up the docs site",
        "Convert and publish",
    ]
    assert [s["prerequisites"] for s in result["steps"]] == [[], [], [1, 2]]
    assert result["steps"][0]["reasoning"] == "Content first."
    assert result["steps"][2]["expected_outcome"] == "Every page is live."
    assert result["parallel_groups"] == [[1, 2], [3]]
    assert result["critical_path"] == [2, 3]  # medium (2) beats low (1) into the high step
    assert result["success_criteria"] == FRAME["success_criteria"]
    assert len(client.requests) == 2
    assert client.requests[0].response_schema is not None  # the analysis is structured
    transcript_request = client.requests[1]
    assert transcript_request.response_schema is None  # the transcript is free text
    assert "ReAct planner" in system_text(transcript_request)
    assert "Key challenges: broken links" in user_text(transcript_request)


def test_react_planning_feeds_a_malformed_transcript_back(mem: Harness) -> None:
    config = "planning_strategy: react_planning\n"
    malformed = "Action: Export\nThought: hmm\nAction: Publish\nRequires: 3\nObservation: done"
    outcome, client = run(mem, workflow(config), [json.dumps(FRAME), malformed, REACT_TRANSCRIPT])

    assert outcome.status == "completed", outcome.error
    assert len(outcome.result["steps"]) == 3
    feedback = client.requests[2].messages
    assert feedback[-2].content == malformed
    text = feedback[-1].content or ""
    assert "does not follow the format" in text
    assert "action 1 has no 'Thought:' before it" in text
    assert "action 2 requires 3, which is not an earlier action" in text


def test_react_planning_fails_the_step_after_the_last_malformed_transcript(mem: Harness) -> None:
    config = "planning_strategy: react_planning\n"
    outcome, client = run(mem, workflow(config), [json.dumps(FRAME), "no plan", "still none", "nothing"])

    assert outcome.status == "failed"
    assert outcome.error is not None
    assert "planning transcript was still malformed after 3 attempts" in outcome.error.message
    assert "aixgo resume" in hint_of(outcome.error)
    assert len(client.requests) == 4
