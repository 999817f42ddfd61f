"""The four deterministic votes, run by the engine: winners, tallies, ties and disagreement outcomes,
weights and confidences, and that a vote never sends a request to a model."""

from __future__ import annotations

import json

import pytest
from tests.aggregator.aggregator_helpers import agg_requests, client, panel, run, solo
from tests.engine.engine_helpers import Harness

from aixgo_cli.errors import ExitCode

AGAINST_THE_WEIGHTS = {"a": '{"answer": "approve", "confidence": 0.9}', "b": "reject", "c": "Reject"}


def test_majority_picks_the_most_frequent_answer_after_normalising(mem: Harness) -> None:
    fake = client({"a": "  Approve ", "b": "approve", "c": "reject"})

    outcome = run(mem, panel({"aggregation_strategy": "voting_majority"}, model=False), fake)

    assert outcome.status == "completed", outcome.error
    result = outcome.result
    assert result["winner"] == "approve"
    assert result["aggregated_content"] == "Approve"  # as the first source wrote it
    assert result["votes"] == [
        {"answer": "approve", "count": 2, "score": 2.0, "sources": ["a", "b"]},
        {"answer": "reject", "count": 1, "score": 1.0, "sources": ["c"]},
    ]
    assert result["sources"] == ["a", "b", "c"]
    assert (result["strategy_used"], result["tokens_used"], result["semantic_clusters"]) == ("voting_majority", 0, [])
    assert result["conflicts_resolved"][0]["resolution"] == "Approve"
    assert "2 of 3 votes" in result["summary_insights"]
    # 0.6 x (1 + 1 + 0)/3 + 0.4 x (1 + 0 + 0)/3: "approve" and "reject" share no aligned character.
    assert result["consensus_level"] == pytest.approx(0.5333, abs=1e-4)
    assert result["contested"] is True  # below the default consensus_threshold 0.7


@pytest.mark.parametrize("strategy", ["voting_majority", "voting_unanimous", "voting_weighted", "voting_confidence"])
def test_no_vote_makes_a_model_call_or_costs_anything(mem: Harness, strategy: str) -> None:
    fake = client({"a": "yes", "b": "yes", "c": "yes"})

    outcome = run(mem, panel({"aggregation_strategy": strategy}, model=False), fake)

    assert outcome.status == "completed", outcome.error
    assert [r.model for r in fake.requests if r.model not in {"fake/a", "fake/b", "fake/c"}] == []
    unit = mem.units(outcome.run_id)["main/agg"]
    assert (unit.tokens_in, unit.tokens_out, unit.cost_usd) == (0, 0, 0.0)
    assert [c for c in mem.calls(outcome.run_id) if c.unit_key == unit.unit_key] == []
    assert (outcome.result["winner"], outcome.result["consensus_level"], outcome.result["contested"]) == (
        "yes",
        1.0,
        False,
    )


def test_a_vote_with_a_model_configured_still_calls_none(mem: Harness) -> None:
    fake = client({"a": "yes", "b": "no", "c": "no"})
    outcome = run(mem, panel({"aggregation_strategy": "voting_weighted"}), fake)
    assert outcome.status == "completed", outcome.error
    assert agg_requests(fake) == []
    assert outcome.result["winner"] == "no"


def test_a_tie_is_settled_by_sort_order_by_default(mem: Harness) -> None:
    fake = client({"a": "yes", "b": "no"})

    outcome = run(mem, panel({"aggregation_strategy": "voting_majority"}, ("a", "b"), model=False), fake)

    assert outcome.status == "completed", outcome.error
    assert outcome.result["winner"] == "no"  # "no" < "yes"
    assert outcome.result["tie"] == ["no", "yes"]
    assert "settled by sort order" in outcome.result["summary_insights"]


def test_a_tie_with_on_tie_fail_fails_the_step_naming_the_tied_answers(mem: Harness) -> None:
    fake = client({"a": "yes", "b": "no"})
    config = {"aggregation_strategy": "voting_majority", "on_tie": "fail"}

    outcome = run(mem, panel(config, ("a", "b"), model=False), fake)

    assert outcome.status == "failed"
    assert outcome.error is not None
    assert outcome.error.exit_code == ExitCode.STEP_FAILED
    assert "voting_majority: a tie between 'no' (b) and 'yes' (a), each with score 1" in outcome.error.message
    assert outcome.error.hint is not None and "on_tie: lexicographic" in outcome.error.hint
    assert mem.units(outcome.run_id)["main/agg"].status == "failed"


def test_voting_confidence_tie_between_equally_confident_answers(mem: Harness) -> None:
    fake = client({"a": '{"answer": "b-plan", "confidence": 0.8}', "b": '{"answer": "a-plan", "confidence": 0.8}'})
    config = {"aggregation_strategy": "voting_confidence"}
    outcome = run(mem, panel(config, ("a", "b"), model=False), fake)
    assert outcome.result["winner"] == "a-plan"

    failing = run(mem, panel({**config, "on_tie": "fail"}, ("a", "b"), model=False), fake)
    assert failing.status == "failed"
    assert failing.error is not None and "each with score 0.8" in failing.error.message


def test_unanimous_agreement_wins_with_full_consensus(mem: Harness) -> None:
    fake = client({"a": "Ship it", "b": "ship  it", "c": "SHIP IT"})
    outcome = run(mem, panel({"aggregation_strategy": "voting_unanimous"}, model=False), fake)
    assert outcome.result["winner"] == "ship it"
    assert outcome.result["consensus_level"] == 1.0
    assert outcome.result["conflicts_resolved"] == []


def test_unanimous_disagreement_fails_by_default_naming_sources_and_answers(mem: Harness) -> None:
    fake = client({"a": "yes", "b": "yes", "c": "no"})

    outcome = run(mem, panel({"aggregation_strategy": "voting_unanimous"}, model=False), fake)

    assert outcome.status == "failed"
    assert outcome.error is not None
    assert (
        "voting_unanimous: the sources disagree: a answered 'yes', b answered 'yes', c answered 'no'"
        in outcome.error.message
    )
    assert outcome.error.hint is not None and "on_disagreement: report" in outcome.error.hint


def test_unanimous_disagreement_reported_gives_no_winner_and_lists_it(mem: Harness) -> None:
    fake = client({"a": "yes", "b": "yes", "c": "no"})
    config = {"aggregation_strategy": "voting_unanimous", "on_disagreement": "report"}

    outcome = run(mem, panel(config, model=False), fake)

    assert outcome.status == "completed", outcome.error
    result = outcome.result
    assert (result["winner"], result["aggregated_content"], result["contested"]) == (None, "", True)
    assert result["disagreement"] == [
        {"answer": "yes", "sources": ["a", "b"]},
        {"answer": "no", "sources": ["c"]},
    ]
    assert result["conflicts_resolved"] == []
    # No result to agree with: only the pairwise part counts, 0.4 x (1 + 0 + 0)/3.
    assert result["consensus_level"] == pytest.approx(0.1333, abs=1e-4)


def test_voting_weighted_sums_confidences_by_default(mem: Harness) -> None:
    # approve: 0.9; reject: 0.5 + 0.5 (no confidence given -> 0.5) = 1.0
    outcome = run(mem, panel({"aggregation_strategy": "voting_weighted"}, model=False), client(AGAINST_THE_WEIGHTS))
    assert outcome.result["winner"] == "reject"
    assert [(v["answer"], v["score"]) for v in outcome.result["votes"]] == [("reject", 1.0), ("approve", 0.9)]


def test_source_weights_change_the_winner_of_a_weighted_vote(mem: Harness) -> None:
    # A weight replaces the source's confidence: approve 3.0 against reject 0.5 + 0.5.
    config = {"aggregation_strategy": "voting_weighted", "source_weights": {"a": 3.0}}
    outcome = run(mem, panel(config, model=False), client(AGAINST_THE_WEIGHTS))
    assert outcome.result["winner"] == "approve"
    assert outcome.result["aggregated_content"] == "approve"  # the `answer` field of a's JSON output
    assert [(v["answer"], v["score"]) for v in outcome.result["votes"]] == [("approve", 3.0), ("reject", 1.0)]


def test_voting_confidence_takes_the_single_most_confident_answer(mem: Harness) -> None:
    fake = client(AGAINST_THE_WEIGHTS)
    outcome = run(mem, panel({"aggregation_strategy": "voting_confidence"}, model=False), fake)
    assert outcome.result["winner"] == "approve"

    weighted = {"aggregation_strategy": "voting_confidence", "source_weights": {"c": 0.95}}
    assert run(mem, panel(weighted, model=False), fake).result["winner"] == "reject"


def test_majority_ignores_weights(mem: Harness) -> None:
    config = {"aggregation_strategy": "voting_majority", "source_weights": {"a": 10}}
    assert run(mem, panel(config, model=False), client(AGAINST_THE_WEIGHTS)).result["winner"] == "reject"


def test_classifier_outputs_vote_by_category_with_their_confidence(mem: Harness) -> None:
    votes = [
        {"source": "triage-a", "category": "Billing", "confidence": 0.6, "reasoning": "mentions an invoice"},
        {"source": "triage-b", "category": "technical", "confidence": 0.95, "reasoning": "stack trace"},
        {"source": "triage-c", "category": "billing", "confidence": 0.3, "reasoning": "a refund?"},
    ]
    fake = client({})

    majority = run(mem, solo({"aggregation_strategy": "voting_majority"}, model=False), fake, votes)
    weighted = run(mem, solo({"aggregation_strategy": "voting_weighted"}, model=False), fake, votes)

    assert majority.status == "completed", majority.error
    assert (majority.result["winner"], majority.result["aggregated_content"]) == ("billing", "Billing")
    assert majority.result["sources"] == ["triage-a", "triage-b", "triage-c"]
    assert weighted.result["winner"] == "technical"  # 0.95 against 0.6 + 0.3
    assert fake.requests == []


def test_a_multi_label_classifier_votes_for_its_set_of_labels(mem: Harness) -> None:
    def labelled(source: str, *pairs: tuple[str, float]) -> dict[str, object]:
        return {"source": source, "categories": [{"category": c, "confidence": p} for c, p in pairs]}

    votes = [
        labelled("x", ("technical", 0.9), ("billing", 0.8)),
        labelled("y", ("billing", 0.7), ("technical", 0.5)),
        labelled("z", ("refund", 0.95)),
    ]
    majority = run(mem, solo({"aggregation_strategy": "voting_majority"}, model=False), client({}), votes)
    assert majority.result["winner"] == "billing, technical"
    confidence = run(mem, solo({"aggregation_strategy": "voting_confidence"}, model=False), client({}), votes)
    assert confidence.result["winner"] == "refund"  # 0.95 against the means 0.85 and 0.6


def test_a_classifier_output_as_a_single_input_is_one_vote(mem: Harness) -> None:
    one = {"category": "billing", "confidence": 0.9, "reasoning": "invoice"}
    outcome = run(mem, solo({"aggregation_strategy": "voting_majority"}, model=False), client({}), one)
    assert outcome.result["sources"] == ["input"]
    assert outcome.result["winner"] == "billing"


def test_semantic_deduplication_counts_near_identical_answers_as_one(mem: Harness) -> None:
    fake = client({"a": "Approve.", "b": "approve", "c": "reject", "d": "reject"})
    voters = ("a", "b", "c", "d")
    plain = run(mem, panel({"aggregation_strategy": "voting_majority"}, voters, model=False), fake)
    assert plain.result["winner"] == "reject"  # "approve." and "approve" differ: 1 + 1 against 2

    config = {
        "aggregation_strategy": "voting_majority",
        "deduplication_method": "semantic",
        "semantic_similarity_threshold": 0.8,
        "on_tie": "fail",
    }
    merged = run(mem, panel(config, voters, model=False), fake)
    assert merged.status == "failed"  # now 2 against 2: a tie, and on_tie says fail
    assert merged.error is not None and "'approve.' (a, b)" in merged.error.message


def test_deduplication_never_drops_votes(mem: Harness) -> None:
    config = {"aggregation_strategy": "voting_majority", "deduplication_method": "exact"}
    outcome = run(mem, panel(config, model=False), client({"a": "x", "b": "x", "c": "y"}))
    assert outcome.result["votes"][0] == {"answer": "x", "count": 2, "score": 2.0, "sources": ["a", "b"]}
    assert "excluded" not in outcome.result


def test_max_input_sources_drops_later_sources_in_input_order(mem: Harness) -> None:
    config = {"aggregation_strategy": "voting_majority", "max_input_sources": 2}
    outcome = run(mem, panel(config, model=False), client({"a": "no", "b": "yes", "c": "yes"}))
    assert outcome.result["sources"] == ["a", "b"]
    assert outcome.result["excluded"] == [{"source": "c", "reason": "max_input_sources is 2"}]
    assert outcome.result["winner"] == "no"  # a tie of two, settled by sort order


def test_the_members_of_a_parallel_flow_vote_in_a_sequential_one(mem: Harness) -> None:
    agents = "".join(f"  - name: {n}\n    role: react\n    model: fake/{n}\n    prompt: Vote.\n" for n in "abc")
    mem.write(
        "version: 1\nname: flows\nagents:\n"
        + agents
        + "  - name: agg\n    role: aggregator\n    aggregator_config: {aggregation_strategy: voting_majority}\n"
        + "flows:\n  voters:\n    pattern: parallel\n    agents: [a, b, c]\n"
        + "orchestration:\n  pattern: sequential\n  agents: [voters, agg]\n"
    )
    outcome = mem.start(client({"a": "left", "b": "right", "c": "right"}))
    assert outcome.status == "completed", outcome.error
    assert outcome.result["winner"] == "right"
    assert outcome.result["votes"][0]["sources"] == ["b", "c"]


def test_a_single_graph_source_is_named_after_its_agent(mem: Harness) -> None:
    outcome = run(mem, panel({"aggregation_strategy": "voting_unanimous"}, ("a",), model=False), client({"a": "ok"}))
    assert outcome.result["sources"] == ["a"]
    assert outcome.result["consensus_level"] == 1.0


def test_no_input_at_all_fails_with_a_clear_message(mem: Harness) -> None:
    outcome = run(mem, solo({"aggregation_strategy": "voting_majority"}, model=False), client({}), [])
    assert outcome.status == "failed"
    assert outcome.error is not None and "received no input" in outcome.error.message


def test_the_output_is_plain_json(mem: Harness) -> None:
    outcome = run(mem, panel({"aggregation_strategy": "voting_weighted"}, model=False), client(AGAINST_THE_WEIGHTS))
    assert json.loads(json.dumps(outcome.result)) == outcome.result
