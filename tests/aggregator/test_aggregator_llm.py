"""The five LLM strategies, run by the engine against a scripted model: what each sends, the result shape,
structured-output retries, deduplication, model defaults and token counting."""

from __future__ import annotations

import json
import re

import pytest
from tests.aggregator.aggregator_helpers import agg_requests, client, panel, reply, run, scripted, system_text
from tests.engine.engine_helpers import Harness
from tests.support.hints import hint_of

from aixgo_cli.providers.types import ChatRequest

ANSWERS = {
    "a": "Kubernetes is too costly for ten people.",
    "b": '{"answer": "Use a managed platform instead.", "confidence": 0.9}',
    "c": "Kubernetes is too costly for 10 people.",
}
CONFLICT = {
    "topic": "cost",
    "conflicting_sources": ["a", "b"],
    "resolution": "managed platform",
    "reasoning": "b is more confident",
}


def user_text(request: ChatRequest) -> str:
    return request.last_user_text()


def test_consensus_returns_the_documented_shape(mem: Harness) -> None:
    fake = client(ANSWERS, reply("Do not run your own cluster.", [CONFLICT]))

    outcome = run(mem, panel({"aggregation_strategy": "consensus"}), fake)

    assert outcome.status == "completed", outcome.error
    result = outcome.result
    assert list(result) == [
        "aggregated_content",
        "sources",
        "strategy_used",
        "conflicts_resolved",
        "consensus_level",
        "summary_insights",
        "tokens_used",
        "semantic_clusters",
        "contested",
    ]
    assert result["aggregated_content"] == "Do not run your own cluster."
    assert result["sources"] == ["a", "b", "c"]
    assert result["strategy_used"] == "consensus"
    assert result["conflicts_resolved"] == [CONFLICT]
    assert result["summary_insights"] == ""  # summarization_enabled is off by default
    assert 0.0 <= result["consensus_level"] <= 1.0
    assert result["contested"] is (result["consensus_level"] < 0.7)
    [request] = agg_requests(fake)
    unit = mem.units(outcome.run_id)["main/agg"]
    assert result["tokens_used"] == unit.tokens_in + unit.tokens_out > 0
    prompt = user_text(request)
    for source, text in (("a", ANSWERS["a"]), ("b", "Use a managed platform instead."), ("c", ANSWERS["c"])):
        assert text in prompt
        assert f"source {source}, confidence" in prompt
    assert "source b, confidence 0.90" in prompt
    assert request.response_schema is not None and "summary_insights" not in request.response_schema["properties"]


def test_model_defaults_and_overrides(mem: Harness) -> None:
    fake = client(ANSWERS, reply("x"))
    run(mem, panel({"aggregation_strategy": "consensus"}), fake)
    [default] = agg_requests(fake)
    assert (default.temperature, default.max_tokens) == (0.5, 1500)

    fake = client(ANSWERS, reply("x"))
    run(mem, panel({"aggregation_strategy": "consensus", "temperature": 0.1, "max_tokens": 300}), fake)
    [configured] = agg_requests(fake)
    assert (configured.temperature, configured.max_tokens) == (0.1, 300)


def test_timeout_ms_is_the_per_call_timeout_unless_the_agent_sets_one(mem: Harness) -> None:
    fake = client(ANSWERS, reply("x"))
    run(mem, panel({"aggregation_strategy": "consensus", "timeout_ms": 2500}), fake)
    assert agg_requests(fake)[0].timeout_s == 2.5

    fake = client(ANSWERS, reply("x"))
    workflow = panel({"aggregation_strategy": "consensus", "timeout_ms": 2500}).replace(
        "    inputs: [a, b, c]\n", "    inputs: [a, b, c]\n    timeout: 40s\n"
    )
    run(mem, workflow, fake)
    assert agg_requests(fake)[0].timeout_s == 40.0


def test_consensus_shows_a_weight_beside_the_confidence_it_replaces(mem: Harness) -> None:
    fake = client(ANSWERS, reply("x"))
    run(mem, panel({"aggregation_strategy": "consensus", "source_weights": {"a": 1.5}}), fake)
    prompt = user_text(agg_requests(fake)[0])
    assert "<<<source a, confidence 0.50, weight 1.50>>>" in prompt
    assert "<<<source b, confidence 0.90>>>" in prompt


def test_summary_insights_when_summarization_is_enabled(mem: Harness) -> None:
    fake = client(ANSWERS, reply("x", summary="Two of three say it costs too much."))
    outcome = run(mem, panel({"aggregation_strategy": "consensus", "summarization_enabled": True}), fake)
    assert outcome.result["summary_insights"] == "Two of three say it costs too much."
    [request] = agg_requests(fake)
    assert request.response_schema is not None and "summary_insights" in request.response_schema["required"]


@pytest.mark.parametrize("strategy", ["consensus", "weighted", "semantic", "hierarchical", "rag_based"])
def test_malformed_json_is_retried_with_feedback_then_accepted(mem: Harness, strategy: str) -> None:
    fake = client(ANSWERS, scripted("not json at all", '{"conflicts_resolved": []}', reply("Fine.")))

    outcome = run(mem, panel({"aggregation_strategy": strategy}), fake)

    assert outcome.status == "completed", outcome.error
    assert outcome.result["aggregated_content"] == "Fine."
    assert outcome.result["strategy_used"] == strategy
    requests = agg_requests(fake)
    assert len(requests) == 3
    assert "not valid JSON" in user_text(requests[1]) or "not JSON" in user_text(requests[1])
    assert "aggregated_content" in user_text(requests[2])  # the missing required key was named
    unit = mem.units(outcome.run_id)["main/agg"]
    assert outcome.result["tokens_used"] == unit.tokens_in + unit.tokens_out  # every attempt counted


def test_a_reply_that_never_matches_fails_the_step_resumably(mem: Harness) -> None:
    fake = client(ANSWERS, "still not json")
    outcome = run(mem, panel({"aggregation_strategy": "consensus"}), fake)
    assert outcome.status == "failed"
    assert outcome.error is not None
    assert "did not match the expected JSON shape after 3 attempts" in outcome.error.message
    assert "aixgo resume" in hint_of(outcome.error)
    assert len(agg_requests(fake)) == 3

    resumed = mem.resume(outcome.run_id, client(ANSWERS, reply("Recovered.")), interrupted=False)
    assert resumed.status == "completed", resumed.error
    assert resumed.result["aggregated_content"] == "Recovered."


def test_weighted_orders_the_sources_by_weight_and_shows_it(mem: Harness) -> None:
    fake = client(ANSWERS, reply("x"))
    config = {"aggregation_strategy": "weighted", "source_weights": {"c": 2.0, "a": 0.2}}

    run(mem, panel(config), fake)

    prompt = user_text(agg_requests(fake)[0])
    positions = [prompt.index(f"source {s}, weight") for s in ("c", "b", "a")]
    assert positions == sorted(positions)
    assert "source c, weight 2.00" in prompt and "source b, weight 0.90" in prompt and "source a, weight 0.20" in prompt
    assert "weight" in system_text(agg_requests(fake)[0])


def test_semantic_clusters_similar_answers(mem: Harness) -> None:
    fake = client(ANSWERS, reply("x"))

    outcome = run(mem, panel({"aggregation_strategy": "semantic", "semantic_similarity_threshold": 0.8}), fake)

    clusters = outcome.result["semantic_clusters"]
    assert [c["member_agents"] for c in clusters] == [["a", "c"], ["b"]]
    assert [c["cluster_id"] for c in clusters] == ["cluster_1", "cluster_2"]
    assert clusters[0]["core_concept"] == ANSWERS["a"]
    assert 0.8 <= clusters[0]["avg_similarity"] < 1.0
    assert clusters[1]["avg_similarity"] == 1.0
    prompt = user_text(agg_requests(fake)[0])
    assert "cluster_1 (members: a, c;" in prompt and "cluster_2 (members: b;" in prompt


def test_hierarchical_summarises_groups_of_three_then_the_summaries(mem: Harness) -> None:
    voters = tuple("abcdefg")
    answers = {n: f"answer {n}" for n in voters}
    fake = client(
        answers, lambda r: reply("final") if r.response_schema else f"summary of {user_text(r).count('<<<source')}"
    )

    outcome = run(mem, panel({"aggregation_strategy": "hierarchical"}, voters), fake)

    assert outcome.status == "completed", outcome.error
    requests = agg_requests(fake)
    groups = [r for r in requests if r.response_schema is None]
    assert [re.findall(r"<<<source (\w)>>>", user_text(r)) for r in groups] == [
        ["a", "b", "c"],
        ["d", "e", "f"],
        ["g"],
    ]
    final = requests[-1]
    assert final.response_schema is not None and len(requests) == 4
    assert "summary 1.1 of source a; source b; source c" in user_text(final)
    assert "summary of 3" in user_text(final) and "summary of 1" in user_text(final)
    assert outcome.result["aggregated_content"] == "final"


def test_hierarchical_with_three_inputs_or_fewer_makes_one_call(mem: Harness) -> None:
    fake = client(ANSWERS, reply("final"))
    run(mem, panel({"aggregation_strategy": "hierarchical"}), fake)
    assert len(agg_requests(fake)) == 1


def test_rag_based_ranks_documents_and_records_citations(mem: Harness) -> None:
    fake = client(ANSWERS, reply("Costs dominate [2], so use a managed platform [1]."))

    outcome = run(mem, panel({"aggregation_strategy": "rag_based", "source_weights": {"c": 0.7}}), fake)

    prompt = user_text(agg_requests(fake)[0])
    order = re.findall(r"<<<\[(\d)\] source (\w)", prompt)
    assert order == [("1", "b"), ("2", "c"), ("3", "a")]  # weights 0.9, 0.7, 0.5
    assert outcome.result["citations"] == [
        {"ref": 1, "source": "b", "score": 0.9, "cited": True},
        {"ref": 2, "source": "c", "score": 0.7, "cited": True},
        {"ref": 3, "source": "a", "score": 0.5, "cited": False},
    ]
    assert "cite" in system_text(agg_requests(fake)[0])


def test_exact_deduplication_drops_repeated_inputs_before_the_call(mem: Harness) -> None:
    answers = {"a": "Same answer.", "b": "  same   ANSWER. ", "c": "Different."}
    fake = client(answers, reply("x"))

    outcome = run(mem, panel({"aggregation_strategy": "consensus", "deduplication_method": "exact"}), fake)

    prompt = user_text(agg_requests(fake)[0])
    assert "source b" not in prompt and "source a" in prompt and "source c" in prompt
    assert outcome.result["sources"] == ["a", "c"]
    assert outcome.result["excluded"] == [{"source": "b", "reason": "duplicate of a (exact)"}]


def test_semantic_deduplication_uses_the_similarity_threshold(mem: Harness) -> None:
    config = {"aggregation_strategy": "consensus", "deduplication_method": "semantic"}
    fake = client(ANSWERS, reply("x"))
    outcome = run(mem, panel({**config, "semantic_similarity_threshold": 0.9}), fake)
    assert outcome.result["excluded"] == [{"source": "c", "reason": "duplicate of a (semantic)"}]

    fake = client(ANSWERS, reply("x"))
    strict = run(mem, panel({**config, "semantic_similarity_threshold": 0.99}), fake)
    assert "excluded" not in strict.result


def test_max_input_sources_limits_what_the_model_sees(mem: Harness) -> None:
    fake = client(ANSWERS, reply("x"))
    outcome = run(mem, panel({"aggregation_strategy": "consensus", "max_input_sources": 1}), fake)
    prompt = user_text(agg_requests(fake)[0])
    assert "source a" in prompt and "source b" not in prompt
    # One input agrees with itself (pairwise part 1); "x" shares nothing with it: 0.6 x 0 + 0.4 x 1.
    assert outcome.result["consensus_level"] == 0.4
    assert [e["source"] for e in outcome.result["excluded"]] == ["b", "c"]


@pytest.mark.parametrize(
    ("mode", "words"),
    [
        ("llm", "better supported"),
        ("highest_confidence", "higher confidence"),
        ("majority", "held by more sources"),
        ("report", '"unresolved"'),
    ],
)
def test_conflict_resolution_instructs_the_model(mem: Harness, mode: str, words: str) -> None:
    fake = client(ANSWERS, reply("x"))
    run(mem, panel({"aggregation_strategy": "consensus", "conflict_resolution": mode}), fake)
    assert words in system_text(agg_requests(fake)[0])


def test_the_agent_prompt_is_rendered_into_the_instructions(mem: Harness) -> None:
    fake = client(ANSWERS, reply("x"))
    run(mem, panel({"aggregation_strategy": "consensus"}, prompt="Write for a CFO, agent {{ agent.name }}."), fake)
    assert "Instructions from the workflow:\nWrite for a CFO, agent agg." in system_text(agg_requests(fake)[0])


def test_consensus_threshold_marks_a_result_contested(mem: Harness) -> None:
    same = {"a": "Use a managed platform.", "b": "Use a managed platform.", "c": "Use a managed platform."}
    agreed = run(mem, panel({"aggregation_strategy": "consensus"}), client(same, reply("Use a managed platform.")))
    assert (agreed.result["consensus_level"], agreed.result["contested"]) == (1.0, False)

    strict = {"aggregation_strategy": "consensus", "consensus_threshold": 1.0}
    split = run(mem, panel(strict), client(ANSWERS, reply("Use a managed platform instead.")))
    assert split.result["contested"] is True


def test_a_resumed_run_replays_the_aggregation_without_calling_again(mem: Harness) -> None:
    fake = client(ANSWERS, reply("once"))
    first = run(mem, panel({"aggregation_strategy": "consensus"}), fake)
    idle = client({})
    again = mem.resume(first.run_id, idle, interrupted=True)
    assert idle.requests == []
    assert again.result == first.result
    assert json.dumps(again.result) == json.dumps(first.result)
