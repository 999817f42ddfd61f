"""The classifier over real HTTP: real LiteLLM against the stub model server, in-process and through the
CLI, including a run that fails on replies that never fit the schema and completes on `aixgo resume`;
and the shipped example, replayed offline from its cassette.

The example's cassette was recorded with the stub answering from tests/classifier/data/
ticket-classifier.rules.json (see the header of workflows/ticket-classifier.yaml); one of its replies
invents a category and is corrected on the second attempt, so the cassette holds a retry too.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.classifier.classifier_helpers import answer, workflow
from tests.engine.engine_helpers import Harness
from tests.support.e2e import REPO, STUB_KEY, Cli, stub_service

from aixgo_cli.engine.runner import RunParams
from aixgo_cli.providers.stack import build_client
from aixgo_cli.testing.stub_model_server import StubModelServer

RULES = Path(__file__).parent / "data" / "ticket-classifier.rules.json"
TICKET = "My card was charged twice for invoice INV-7; please refund one."


def test_real_litellm_out_of_enum_then_valid_with_fallback(mem: Harness, stub: StubModelServer) -> None:
    text = workflow(
        "low_confidence: {action: fallback, fallback_category: general}\n",
        top_extra=stub_service(stub),
        model="stub",
    )
    mem.write(text)
    stub.script([answer("refunds", 0.9), answer("billing", 0.55, "Probably billing.")])
    services = [dict(s) for s in mem.load().model_services.values()]
    client = build_client(lambda name: STUB_KEY, services)

    outcome = mem.start(client, RunParams(input=TICKET))

    assert outcome.status == "completed", outcome.error
    assert outcome.result == {
        "category": "general",
        "confidence": 0.55,
        "reasoning": "Probably billing.",
        "alternatives": [],
        "low_confidence": True,
        "original_category": "billing",
        "prompt_strategy": "zero-shot",
        "tokens_used": outcome.spent.tokens,
    }
    requests = stub.stats()["requests"]
    assert len(requests) == 2
    assert TICKET in requests[0]["last_user"]
    assert "did not match the required JSON Schema" in requests[1]["last_user"]


@pytest.mark.slow
def test_cli_fails_with_exit_1_on_replies_that_never_fit_and_resume_completes(cli: Cli, stub: StubModelServer) -> None:
    cli.write("wf.yaml", workflow(top_extra=stub_service(stub), model="stub"))
    stub.script([answer("refunds"), "I think it is billing.", answer("payments")])

    failed = cli.run("run", "wf.yaml", "--input", TICKET, "--json")

    assert failed.returncode == 1, failed.stderr
    outcome = json.loads(failed.stdout)
    assert outcome["status"] == "failed"
    assert "agent 'triage' failed: the model's classification did not match" in outcome["error"]
    assert f"aixgo resume {outcome['run_id']}" in failed.stderr
    assert stub.stats()["total"] == 3

    stub.script([answer("billing", 0.93, "A refund of a double charge.")])
    resumed = cli.run("resume", outcome["run_id"], "--json")

    assert resumed.returncode == 0, resumed.stderr
    final = json.loads(resumed.stdout)
    assert final["status"] == "completed"
    assert final["result"]["category"] == "billing" and final["result"]["low_confidence"] is False
    assert stub.stats()["total"] == 4  # the three failed attempts were replayed from the journal


@pytest.mark.slow
def test_the_example_runs_offline_from_its_cassette(cli: Cli) -> None:
    done = cli.run("run", str(REPO / "workflows" / "ticket-classifier.yaml"), "--json")

    assert done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout)
    assert outcome["replayed_from"].endswith("ticket-classifier.cassette.jsonl")
    teams = [r["team"] for r in outcome["result"]]
    topics = [r["topics"] for r in outcome["result"]]
    assert [t["category"] for t in teams] == ["billing", "technical", "account", "general"]
    assert teams[3]["original_category"] == "billing" and teams[3]["low_confidence"] is True
    assert all(t["prompt_strategy"] == "few-shot" for t in teams)
    assert [[c["category"] for c in t["categories"]] for t in topics] == [
        ["payments"],
        ["reliability", "payments"],
        ["access"],
        ["feature_request", "payments"],
    ]
    assert topics[1]["alternatives"] == [{"category": "feature_request", "confidence": 0.08}]
    assert topics[3]["low_confidence"] is True
    # The logger printed one JSON line per ticket (on stderr, since --json reserves stdout).
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    assert sorted(json.dumps(x, sort_keys=True) for x in lines) == sorted(
        json.dumps(x, sort_keys=True) for x in outcome["result"]
    )


@pytest.mark.slow
def test_the_recording_rules_reproduce_the_shipped_cassette(cli: Cli, stub: StubModelServer, tmp_path: Path) -> None:
    """Re-record the example against the stub with the stored rules and get the same requests. After a
    prompt change, regenerate the shipped cassette the same way: start `python -m
    aixgo_cli.testing.stub_model_server --port 0 --port-file F --rules <these rules>`, then run the example
    with OPENAI_API_KEY=sk-stub, OPENAI_BASE_URL=http://127.0.0.1:PORT/v1 and --record."""
    stub.set_rules(json.loads(RULES.read_text(encoding="utf-8")))
    cassette = tmp_path / "recorded.cassette.jsonl"
    env = {"OPENAI_API_KEY": "sk-stub", "OPENAI_BASE_URL": stub.base_url}
    example = str(REPO / "workflows" / "ticket-classifier.yaml")

    done = cli.run("run", example, "--record", str(cassette), "--json", env=env)

    assert done.returncode == 0, done.stderr
    assert stub.stats()["total"] == 9  # eight classifications, one of them asked twice
    assert _keys(cassette) == _keys(REPO / "workflows" / "ticket-classifier.cassette.jsonl")


def _keys(path: Path) -> set[str]:
    return {json.loads(line)["key"] for line in path.read_text(encoding="utf-8").splitlines()[1:]}
