"""The fan-out patterns (ensemble, aggregation, mapreduce, hierarchical) and nesting: every member that
should answer does, exactly once, and the answers are combined by the documented rule."""

from __future__ import annotations

import json

import pytest
from tests.engine.engine_helpers import Harness
from tests.patterns.patterns_helpers import counts, rules, run, workflow

from aixgo_cli.testing.stub_model_server import StubModelServer

JUDGES = ["j1", "j2", "j3"]

# Ensemble ---------------------------------------------------------------------------------------------


def ensemble(config: str) -> str:
    return f"pattern: ensemble\nagents: [j1, j2, j3]\nconfig: {config}\n"


def test_ensemble_majority_vote_reads_labels_not_decoration(mem: Harness, stub: StubModelServer) -> None:
    stub.set_rules(rules(j1="Block.", j2="allow", j3="**block**"))
    mem.write(workflow(stub, JUDGES, ensemble("{voting_strategy: majority}")))

    outcome = run(mem, "buy cheap pills")

    assert outcome.status == "completed", outcome.error
    assert outcome.result == {
        "answer": "block",
        "output": "Block.",
        "agreement": 0.6667,
        "votes": {"j1": "block", "j2": "allow", "j3": "block"},
        "tally": {"block": 2.0, "allow": 1.0},
    }
    assert counts(stub) == {"j1": 1, "j2": 1, "j3": 1}


def test_ensemble_weighted_vote_lets_weight_outvote_numbers(mem: Harness, stub: StubModelServer) -> None:
    stub.set_rules(rules(j1="block", j2="allow", j3="block"))
    config = "{voting_strategy: weighted, weights: {j1: 1, j2: 3, j3: 1}, agreement_threshold: 0.5}"
    mem.write(workflow(stub, JUDGES, ensemble(config)))

    outcome = run(mem)

    assert outcome.status == "completed", outcome.error
    assert (outcome.result["answer"], outcome.result["agreement"]) == ("allow", 0.6)


@pytest.mark.parametrize(
    ("replies", "config", "message"),
    [
        (("block", "allow", "review"), "{voting_strategy: majority}", "the vote is tied between 'block', 'allow'"),
        (("block", "allow", "block"), "{voting_strategy: unanimous}", "must be unanimous"),
        (("block", "allow", "block"), "{agreement_threshold: 0.9}", "below agreement_threshold 90%"),
    ],
)
def test_ensemble_tie_disagreement_and_low_agreement_fail_the_step(
    mem: Harness, stub: StubModelServer, replies: tuple[str, str, str], config: str, message: str
) -> None:
    stub.set_rules(rules(j1=replies[0], j2=replies[1], j3=replies[2]))
    mem.write(workflow(stub, JUDGES, ensemble(config)))

    outcome = run(mem)

    assert outcome.status == "failed"
    assert outcome.error is not None and message in outcome.error.message


def test_ensemble_confidence_vote_reads_each_members_confidence(mem: Harness, stub: StubModelServer) -> None:
    stub.set_rules(
        rules(
            j1=json.dumps({"answer": "block", "confidence": 0.9}),
            j2=json.dumps({"answer": "allow", "confidence": 0.3}),
            j3=json.dumps({"answer": "allow", "confidence": 0.3}),
        )
    )
    mem.write(workflow(stub, JUDGES, ensemble("{voting_strategy: confidence}")))

    outcome = run(mem)

    assert outcome.status == "completed", outcome.error
    assert outcome.result["answer"] == "block"


# Aggregation ------------------------------------------------------------------------------------------

PANEL = ["a", "b", "c"]


def aggregation(config: str) -> str:
    return f"pattern: aggregation\nagents: [a, b, c]\nconfig: {config}\n"


def test_aggregation_merge_joins_answers_in_member_order(mem: Harness, stub: StubModelServer) -> None:
    stub.set_rules(rules(a="one", b="two", c="three"))
    mem.write(workflow(stub, PANEL, aggregation("{method: merge, delimiter: ' | '}")))

    outcome = run(mem)

    assert outcome.status == "completed", outcome.error
    assert outcome.result == "one | two | three"


def test_aggregation_vote_returns_the_most_common_answer(mem: Harness, stub: StubModelServer) -> None:
    stub.set_rules(rules(a="Yes.", b="no", c="yes"))
    mem.write(workflow(stub, PANEL, aggregation("{method: vote}")))

    outcome = run(mem)

    assert outcome.status == "completed", outcome.error
    assert outcome.result == "Yes."


def test_aggregation_summarize_hands_every_answer_to_the_summarizer(mem: Harness, stub: StubModelServer) -> None:
    stub.set_rules(rules(a="one", b="two", c="three", s="all three agree"))
    mem.write(workflow(stub, [*PANEL, "s"], aggregation("{method: summarize, summarizer: s}")))

    outcome = run(mem, "count")

    assert outcome.status == "completed", outcome.error
    assert outcome.result == "all three agree"
    summary = next(r for r in stub.stats()["requests"] if r["model"] == "s")["last_user"]
    assert "[a]\none" in summary and "[b]\ntwo" in summary and "[c]\nthree" in summary


def test_aggregation_best_scores_each_answer_and_keeps_the_highest(mem: Harness, stub: StubModelServer) -> None:
    stub.set_rules(
        [
            {"match": r"(?s)^\[judge\].*Answer:\ntwo", "reply": "Score: 9/10"},
            {"match": r"^\[judge\]", "reply": '{"score": 0.5}'},
            *rules(a="one", b="two", c="three"),
        ]
    )
    mem.write(workflow(stub, [*PANEL, "judge"], aggregation("{method: best, scorer: judge}")))

    outcome = run(mem)

    assert outcome.status == "completed", outcome.error
    assert outcome.result == "two"
    assert counts(stub) == {"a": 1, "b": 1, "c": 1, "judge": 3}


def test_aggregation_below_minimum_responses_fails(mem: Harness, stub: StubModelServer) -> None:
    stub.set_rules([*rules(a="one"), {"match": r"^\[(b|c)\]", "reply": {"status": 400, "message": "down"}}])
    mem.write(workflow(stub, PANEL, aggregation("{method: merge, minimum_responses: 2}")))

    outcome = run(mem)

    assert outcome.status == "failed"
    assert outcome.error is not None and "only 1 of 3 members answered; minimum_responses is 2" in (
        outcome.error.message
    )


# MapReduce --------------------------------------------------------------------------------------------


def test_mapreduce_maps_every_line_then_reduces(mem: Harness, stub: StubModelServer) -> None:
    stub.set_rules(
        [
            {"match": r"^\[mapper\] (.*)$", "reply": "mapped"},
            {"match": r"^\[reducer\]", "reply": "reduced"},
        ]
    )
    config = "pattern: mapreduce\nconfig: {mapper: mapper, reducer: reducer, splitter: lines, concurrency_limit: 2}\n"
    mem.write(workflow(stub, ["mapper", "reducer"], config))

    outcome = run(mem, "alpha\n\nbeta\ngamma\n")

    assert outcome.status == "completed", outcome.error
    assert outcome.result == "reduced"
    assert counts(stub) == {"mapper": 3, "reducer": 1}
    mapped = sorted(r["last_user"] for r in stub.stats()["requests"] if r["model"] == "mapper")
    assert mapped == ["[mapper] alpha", "[mapper] beta", "[mapper] gamma"]
    assert sorted(mem.units(outcome.run_id)) == [
        "main/orchestration/map.0:mapper",
        "main/orchestration/map.1:mapper",
        "main/orchestration/map.2:mapper",
        "main/orchestration/reduce:reducer",
    ]


# Hierarchical -----------------------------------------------------------------------------------------

HIERARCHY = """\
pattern: hierarchical
config:
  manager: lead
  teams: {research: [r1, r2], writing: [w1], legal: [l1]}
"""


def test_hierarchical_runs_only_assigned_teams_then_synthesises(mem: Harness, stub: StubModelServer) -> None:
    assignments = {"assignments": {"research": "find facts", "writing": "draft it"}}
    stub.set_rules(
        [
            {"match": r"(?s)^\[lead\].*Team results", "reply": "final report"},
            {"match": r"^\[lead\]", "reply": "```json\n" + json.dumps(assignments) + "\n```"},
            *rules(r1="fact one", r2="fact two", w1="a draft", l1="never"),
        ]
    )
    mem.write(workflow(stub, ["lead", "r1", "r2", "w1", "l1"], HIERARCHY))

    outcome = run(mem, "write a report")

    assert outcome.status == "completed", outcome.error
    assert outcome.result == {
        "output": "final report",
        "assignments": {"research": "find facts", "writing": "draft it"},
        "team_results": {"research": {"r1": "fact one", "r2": "fact two"}, "writing": {"w1": "a draft"}},
    }
    assert counts(stub) == {"lead": 2, "r1": 1, "r2": 1, "w1": 1}
    synthesis = [r for r in stub.stats()["requests"] if r["model"] == "lead"][1]["last_user"]
    assert "Worker r1:\nfact one" in synthesis and "Worker w1:\na draft" in synthesis


def test_hierarchical_assignment_to_an_unknown_team_fails(mem: Harness, stub: StubModelServer) -> None:
    stub.set_rules(rules(lead=json.dumps({"assignments": {"marketing": "sell it"}})))
    mem.write(workflow(stub, ["lead", "r1", "r2", "w1", "l1"], HIERARCHY))

    outcome = run(mem)

    assert outcome.status == "failed"
    assert outcome.error is not None
    assert "assigned work to 'marketing', which is not a team (teams: research, writing, legal)" in (
        outcome.error.message
    )
    assert counts(stub) == {"lead": 1}


# Nesting ----------------------------------------------------------------------------------------------


def test_patterns_nest_through_flows(mem: Harness, stub: StubModelServer) -> None:
    """A router whose route is a flow: a reflection loop whose generator is itself a sequential flow."""
    stub.set_rules(
        [
            *rules(triage="essay", outline="an outline", draft="an essay", critic='{"score": 0.95}', other="never"),
        ]
    )
    flows = (
        "flows:\n"
        "  write:\n    pattern: sequential\n    agents: [outline, draft]\n"
        "  polish:\n    pattern: reflection\n    config: {generator: write, critic: critic, max_iterations: 2}\n"
    )
    orchestration = "pattern: router\nconfig: {classifier: triage, routes: {essay: polish, other: other}}\n"
    text = workflow(stub, ["triage", "outline", "draft", "critic", "other"], orchestration)
    mem.write(text.replace("orchestration:\n", flows + "orchestration:\n"))

    outcome = run(mem, "write about rivers")

    assert outcome.status == "completed", outcome.error
    assert outcome.result["output"] == "an essay" and outcome.result["stop_reason"] == "quality_threshold"
    assert counts(stub) == {"triage": 1, "outline": 1, "draft": 1, "critic": 1}
    assert list(mem.units(outcome.run_id)) == [
        "main/orchestration/classify:triage",
        "main/orchestration/route:polish/1.generate:write/0:outline",
        "main/orchestration/route:polish/1.generate:write/1:draft",
        "main/orchestration/route:polish/1.critique:critic",
    ]


def test_a_flow_timeout_stops_the_flow_before_its_next_member(mem: Harness, stub: StubModelServer) -> None:
    """The first member's reply takes 50 ms, past the flow's 10 ms: the second member never starts."""
    stub.set_rules(rules(a="one", b="two"))
    stub.set_latency(0.05)
    mem.write(workflow(stub, ["a", "b"], "pattern: sequential\nagents: [a, b]\nconfig: {timeout: 10ms}\n"))

    outcome = run(mem)

    assert outcome.status == "failed"
    assert outcome.error is not None and "flow 'orchestration' ran past its timeout of 0.01s" in outcome.error.message
    assert counts(stub) == {"a": 1}
    assert mem.units(outcome.run_id)["main/orchestration/0:a"].status == "completed"
