"""The aggregator over real HTTP: real LiteLLM against the stub model server, in-process and through the
CLI, and the two shipped examples replaying their cassettes with no key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.engine.engine_helpers import Harness
from tests.support.e2e import REPO, STUB_KEY, Cli, stub_service

from aixgo_cli.engine.runner import RunParams
from aixgo_cli.providers.stack import build_client
from aixgo_cli.testing.stub_model_server import StubModelServer

PANEL_QUESTION = "Should a 12-person team split its monolith into microservices this year?"
POLICY = "Allow engineers to install browser extensions without review."
RESULT_KEYS = {
    "aggregated_content",
    "sources",
    "strategy_used",
    "conflicts_resolved",
    "consensus_level",
    "summary_insights",
    "tokens_used",
    "semantic_clusters",
    "contested",
}


def graph(stub: StubModelServer, aggregator_config: str) -> str:
    agents = "".join(f"  - name: {n}\n    role: react\n    model: stub\n    prompt: Answer as {n}.\n" for n in "abc")
    return (
        f"version: 1\nname: stub-panel\n{stub_service(stub)}agents:\n{agents}"
        f"  - name: agg\n    role: aggregator\n    model: stub\n    inputs: [a, b, c]\n"
        f"    aggregator_config: {aggregator_config}\n"
    )


def test_consensus_through_litellm_retries_a_malformed_reply(mem: Harness, stub: StubModelServer) -> None:
    stub.script(
        [
            "Managed platforms win.",
            "Run it yourself.",
            "Managed platforms win!",
            "```json\n{not json\n```",
            json.dumps({"aggregated_content": "Use a managed platform.", "conflicts_resolved": []}),
        ]
    )
    mem.write(graph(stub, "{aggregation_strategy: consensus, deduplication_method: semantic}"))
    client = build_client(lambda name: STUB_KEY, mem.load().model_services.values())

    outcome = mem.start(client, RunParams(input="q"))

    assert outcome.status == "completed", outcome.error
    result = outcome.result
    assert set(result) >= RESULT_KEYS
    assert result["aggregated_content"] == "Use a managed platform."
    assert result["sources"] == ["a", "b"]
    assert result["excluded"] == [{"source": "c", "reason": "duplicate of a (semantic)"}]
    stats = stub.stats()
    assert stats["total"] == 5  # three answers, then two aggregation attempts
    assert stats["requests"][3]["last_user"].startswith("Answers from 2 agents")
    assert "did not match the required JSON Schema" in stats["requests"][4]["last_user"]  # the feedback
    unit = mem.units(outcome.run_id)["main/agg"]
    assert result["tokens_used"] == unit.tokens_in + unit.tokens_out > 0


def test_a_vote_through_litellm_sends_nothing_for_the_vote(mem: Harness, stub: StubModelServer) -> None:
    stub.script(['{"answer": "yes", "confidence": 0.9}', "no", "No"])
    mem.write(
        graph(stub, "{aggregation_strategy: voting_weighted}").replace("    model: stub\n    inputs", "    inputs")
    )
    client = build_client(lambda name: STUB_KEY, mem.load().model_services.values())

    outcome = mem.start(client, RunParams(input="q"))

    assert outcome.status == "completed", outcome.error
    assert outcome.result["winner"] == "no"  # 0.5 + 0.5 against 0.9
    assert stub.stats()["total"] == 3  # the three voters; the vote made no request


@pytest.mark.slow
def test_policy_vote_through_the_cli_makes_no_request_for_the_vote(cli: Cli, stub: StubModelServer) -> None:
    stub.set_rules(
        [
            {"match": "as the legal reviewer", "reply": '{"answer": "approve", "confidence": 0.9}'},
            {"match": "as the security reviewer", "reply": '{"answer": "approve", "confidence": 0.6}'},
            {"match": "as the finance reviewer", "reply": '{"answer": "reject", "confidence": 0.9}'},
        ]
    )
    env = {"OPENAI_API_KEY": "sk-stub", "OPENAI_BASE_URL": stub.base_url}

    done = cli.run("run", str(REPO / "workflows" / "policy-vote.yaml"), "--input", POLICY, "--json", env=env)

    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)["result"]
    assert (result["winner"], result["tokens_used"]) == ("approve", 0)  # 0.9 + 2.0 against 0.9
    assert stub.stats()["total"] == 3


@pytest.mark.slow
def test_expert_panel_replays_its_cassette_without_a_key(cli: Cli) -> None:
    done = cli.run("run", str(REPO / "workflows" / "expert-panel.yaml"), "--input", PANEL_QUESTION, "--json")

    assert done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout)
    assert outcome["replayed_from"].endswith("expert-panel.cassette.jsonl")
    result = outcome["result"]
    assert set(result) == RESULT_KEYS
    assert (result["strategy_used"], result["sources"]) == ("consensus", ["architect", "operator", "skeptic"])
    assert len(result["conflicts_resolved"]) == 2
    assert result["summary_insights"]
    assert result["contested"] is (result["consensus_level"] < 0.25)


@pytest.mark.slow
def test_policy_vote_replays_its_cassette_and_the_cassette_holds_no_vote(cli: Cli) -> None:
    done = cli.run("run", str(REPO / "workflows" / "policy-vote.yaml"), "--input", POLICY, "--json")

    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)["result"]
    assert (result["winner"], result["aggregated_content"], result["tokens_used"]) == ("reject", "Reject", 0)
    assert [(v["answer"], v["score"]) for v in result["votes"]] == [("reject", 2.0), ("approve", 1.4)]
    cassette = Path(REPO / "workflows" / "policy-vote.cassette.jsonl").read_text(encoding="utf-8").splitlines()
    calls = [json.loads(line) for line in cassette[1:]]
    assert len(calls) == 3  # one per reviewer
    assert all("reviewer" in json.dumps(call["request"]["messages"]) for call in calls)
