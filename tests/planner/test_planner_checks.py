"""What every strategy shares: validation with feedback, max_steps, self-critique, the settings shown in
the prompt, token counting, failure, and determinism (the same input makes the same requests)."""

from __future__ import annotations

import json

import pytest
from tests.engine.engine_helpers import Harness
from tests.planner.planner_helpers import (
    FRAME,
    PROBLEM,
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

from aixgo_cli.engine.runner import RunParams
from aixgo_cli.testing.fake_client import Reply, ScriptedClient


def test_a_prerequisite_on_a_later_step_is_fed_back_and_corrected(mem: Harness) -> None:
    bad = plan_reply(step(1, "a", [2]), step(2, "b"))
    outcome, client = run(mem, workflow(), [bad, simple_plan()])

    assert outcome.status == "completed", outcome.error
    assert [s["prerequisites"] for s in outcome.result["steps"]] == [[], [1]]
    assert len(client.requests) == 2
    retry = client.requests[1].messages
    assert retry[-3].role == "assistant" and retry[-3].content == bad
    assert "step 1 lists prerequisite 2, a later step" in (retry[-2].content or "")
    assert retry[-1].role == "system" and "JSON Schema" in (retry[-1].content or "")
    assert outcome.result["tokens_used"] == outcome.spent.tokens  # the rejected reply counts too


def test_max_steps_bounds_the_schema_and_an_over_long_plan_is_sent_back(mem: Harness) -> None:
    too_long = plan_reply(*(step(n, f"s{n}") for n in range(1, 5)))
    outcome, client = run(mem, workflow("max_steps: 3\n"), [too_long, simple_plan(count=3)])

    assert outcome.status == "completed", outcome.error
    assert len(outcome.result["steps"]) == 3
    schema = client.requests[0].response_schema
    assert schema is not None
    steps = schema["properties"]["steps"]
    assert steps["maxItems"] == 3
    assert steps["items"]["properties"]["prerequisites"]["items"]["maximum"] == 3
    assert "At most 3 steps" in user_text(client.requests[0])
    assert "$.steps" in user_text(client.requests[1])


def test_schema_and_graph_problems_share_one_budget_then_the_step_fails(mem: Harness) -> None:
    bad_graph = plan_reply(step(1, "a", [1]))
    outcome, client = run(mem, workflow(), ["not json at all", bad_graph, bad_graph])

    assert outcome.status == "failed"
    assert len(client.requests) == 3  # max_retries 2: three attempts in all
    assert outcome.error is not None
    assert "the model's plan was still not usable after 3 attempts" in outcome.error.message
    assert "step 1 lists itself as a prerequisite" in outcome.error.message
    assert "aixgo resume" in hint_of(outcome.error)


def test_structured_output_max_retries_sets_the_budget(mem: Harness) -> None:
    extra = "    structured_output:\n      schema: {type: object}\n      max_retries: 0\n"
    mem.write(workflow() + extra)
    client = ScriptedClient(["not json", simple_plan()])
    outcome = mem.start(client, RunParams(input=PROBLEM))
    assert outcome.status == "failed"
    assert outcome.error is not None and "after 1 attempts" in outcome.error.message
    assert len(client.requests) == 1


def test_self_critique_adds_a_critique_call_and_a_revision(mem: Harness) -> None:
    critique = "Step 2 misses image checks."
    outcome, client = run(
        mem, workflow("enable_self_critique: true\n"), [simple_plan("a"), critique, simple_plan("b", 3)]
    )

    assert outcome.status == "completed", outcome.error
    assert outcome.result["self_critique"] == critique
    assert [s["action"] for s in outcome.result["steps"]] == ["b1", "b2", "b3"]
    assert len(client.requests) == 3
    critique_request = client.requests[1]
    assert critique_request.response_schema is None
    assert "critical planning analyst" in system_text(critique_request)
    assert '"a2"' in user_text(critique_request)
    revision = user_text(client.requests[2])
    assert critique in revision and '"a1"' in revision


def test_an_empty_critique_leaves_the_plan_unrevised(mem: Harness) -> None:
    outcome, client = run(mem, workflow("enable_self_critique: true\n"), [simple_plan("a"), "  "])
    assert outcome.status == "completed", outcome.error
    assert outcome.result["self_critique"] == ""
    assert outcome.result["steps"][0]["action"] == "a1"
    assert len(client.requests) == 2


def test_settings_shape_the_prompt_and_the_request(mem: Harness) -> None:
    config = """\
    step_detail_level: brief
    include_alternatives: true
    temperature: 0.2
    max_tokens: 900
    example_plans:
      - problem: Move a blog to a static site.
        steps: ["export posts", "convert", "deploy"]
        explanation: Export first so nothing is lost.
    """
    alternatives = [{"action": "copy by hand", "reasoning": "no tooling", "trade_offs": "slow"}]
    reply = plan_reply(step(1, "a", alternatives=alternatives))
    text = workflow(config, prompt="The team has {{ inputs.writers }} writers.")
    mem.write(text.replace("agents:", "inputs:\n  writers: {type: integer}\nagents:"))
    client = ScriptedClient([reply])
    outcome = mem.start(client, RunParams(input=PROBLEM, variables={"writers": 2}))

    assert outcome.status == "completed", outcome.error
    assert outcome.result["steps"][0]["alternatives"] == alternatives
    (request,) = client.requests
    assert (request.temperature, request.max_tokens) == (0.2, 900)
    prompt = user_text(request)
    assert "Keep every field short" in prompt
    assert "alternatives: one to three other ways" in prompt
    assert "The steps will be carried out one after another" in prompt
    assert "Example 1. Problem: Move a blog to a static site.\n  1. export posts\n  2. convert\n  3. deploy" in prompt
    assert "Why it works: Export first so nothing is lost." in prompt
    assert "Context for this planning task:\nThe team has 2 writers." in system_text(request)
    assert request.response_schema is not None
    step_schema = request.response_schema["properties"]["steps"]["items"]
    assert "alternatives" in step_schema["required"]


def test_agent_parameters_set_temperature_when_the_block_does_not(mem: Harness) -> None:
    text = workflow() + "    parameters: {temperature: 0.1, max_tokens: 300}\n"
    _, client = run(mem, text, [simple_plan()])
    assert (client.requests[0].temperature, client.requests[0].max_tokens) == (0.1, 300)


def test_without_alternatives_the_steps_have_none_even_if_the_model_adds_them(mem: Harness) -> None:
    extra = [{"action": "x", "reasoning": "y", "trade_offs": "z"}]
    outcome, client = run(mem, workflow(), [plan_reply(step(1, "a", alternatives=extra))])
    assert outcome.result["steps"][0]["alternatives"] == []
    assert client.requests[0].response_schema is not None
    assert "alternatives" not in client.requests[0].response_schema["properties"]["steps"]["items"]["properties"]


def test_an_empty_problem_fails_the_step_without_a_call(mem: Harness) -> None:
    outcome, client = run(mem, workflow(), [], problem="   ")
    assert outcome.status == "failed"
    assert outcome.error is not None and "empty problem" in outcome.error.message
    assert client.requests == []


STRATEGY_SCRIPTS: dict[str, tuple[str, list[Reply]]] = {
    "chain_of_thought": ("", [simple_plan()]),
    "tree_of_thought": ("reasoning_depth: 2\n", [simple_plan("a"), simple_plan("b"), scores(5, 6)]),
    "react_planning": ("", [json.dumps(FRAME), "Thought: t\nAction: a\nObservation: o\nFinal: ok"]),
    "backward_chaining": (
        "reasoning_depth: 1\n",
        [
            json.dumps(
                {
                    **FRAME,
                    "goal_state": "g",
                    "final_step": {"action": "f", "reasoning": "", "complexity": "low", "confidence": 1},
                }
            ),
            json.dumps(
                {
                    "preconditions": [
                        {
                            "condition": "c",
                            "action": "a",
                            "reasoning": "",
                            "complexity": "low",
                            "confidence": 1,
                            "primitive": True,
                        }
                    ]
                }
            ),
        ],
    ),
    "hierarchical_plan": (
        "max_steps: 2\n",
        [
            json.dumps(
                {
                    **FRAME,
                    "phases": [
                        {
                            "phase_number": 1,
                            "name": "P",
                            "objective": "o",
                            "depends_on": [],
                            "complexity": "low",
                            "confidence": 1,
                        },
                    ],
                }
            ),
            json.dumps({"steps": [step(1, "x"), step(2, "y", [1])]}),
        ],
    ),
    "monte_carlo": (
        "simulations: 2\n",
        [
            json.dumps({"approaches": [{"name": "A", "summary": "a"}, {"name": "B", "summary": "b"}]}),
            simple_plan("a"),
            scores(5),
            simple_plan("b"),
            scores(6),
        ],
    ),
}


@pytest.mark.parametrize("strategy", sorted(STRATEGY_SCRIPTS))
def test_the_same_input_makes_the_same_requests_and_the_same_plan(
    strategy: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from aixgo_cli.store.memory_journal import MemoryJournal

    config, script = STRATEGY_SCRIPTS[strategy]
    text = workflow(f"planning_strategy: {strategy}\nenable_self_critique: true\n" + config)
    runs = []
    for _ in range(2):
        with MemoryJournal() as journal:
            harness = Harness(tmp_path_factory.mktemp(strategy), journal)
            outcome, client = run(harness, text, [*script, "Looks fine; add checks.", simple_plan("z")])
            assert outcome.status == "completed", outcome.error
            runs.append(([r.to_json_text() for r in client.requests], outcome.result))
    assert runs[0] == runs[1]
    assert runs[0][1]["planning_strategy"] == strategy
    assert runs[0][1]["self_critique"] == "Looks fine; add checks."


def test_a_resumed_run_replays_the_finished_calls(sql: Harness) -> None:
    config = "planning_strategy: tree_of_thought\nreasoning_depth: 2\n"
    sql.write(workflow(config))
    first = ScriptedClient([simple_plan("a"), simple_plan("b"), RuntimeError("connection reset")])
    failed = sql.start(first, RunParams(input=PROBLEM))
    assert failed.status == "failed"

    second = ScriptedClient([scores(7, 3)])
    resumed = sql.resume(failed.run_id, second, interrupted=False)

    assert resumed.status == "completed", resumed.error
    assert resumed.result["steps"][0]["action"] == "a1"
    assert len(second.requests) == 1  # only the scoring call was sent again
    assert resumed.result["tokens_used"] > 0


def test_resuming_after_the_last_attempt_asks_again_in_the_same_conversation(sql: Harness) -> None:
    sql.write(workflow())
    looping = plan_reply(step(1, "a", [1]))
    failed = sql.start(ScriptedClient([looping, looping, looping]), RunParams(input=PROBLEM))
    assert failed.status == "failed"

    client = ScriptedClient([simple_plan("ok")])
    resumed = sql.resume(failed.run_id, client, interrupted=False)

    assert resumed.status == "completed", resumed.error
    (request,) = client.requests  # the three failed attempts were replayed from the journal
    assert [m.content for m in request.messages if m.role == "assistant"] == [looping] * 3
    assert resumed.result["steps"][0]["action"] == "ok1"


def test_every_strategy_validation_accepts_has_a_function_and_no_other() -> None:
    from aixgo_cli.agents.planner.agent import STRATEGY_FUNCTIONS
    from aixgo_cli.config.planner_checks import STRATEGIES

    assert sorted(STRATEGY_FUNCTIONS) == sorted(STRATEGIES)
