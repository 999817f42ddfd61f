"""Every workflow in workflows/ is run end to end, offline, through the real CLI.

A workflow shipped with a cassette replays it (no key, no network) and must complete; one whose tool
results change from day to day runs its real tools against the stub model server instead. Every
example is in one of the two tables: none is left that cannot run.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.support.e2e import REPO, STUB_KEY, Cli

from aixgo_cli.testing.stub_model_server import StubModelServer

pytestmark = pytest.mark.slow

WORKFLOWS = REPO / "workflows"

RUNS_OFFLINE: dict[str, list[str]] = {
    "ticket-summaries.yaml": [],
    "hello.yaml": ["--input", "Why is the sky blue?"],
    "jsonl-pipeline.yaml": ["--input", f"@{WORKFLOWS / 'data' / 'reviews.jsonl'}"],
    "research-fanout.yaml": ["--input", "Should a 10-person startup run its own Kubernetes?"],
    "ticket-classifier.yaml": [],
    "expert-panel.yaml": ["--input", "Should a 12-person team split its monolith into microservices this year?"],
    "policy-vote.yaml": ["--input", "Allow engineers to install browser extensions without review."],
    "react-text-tools.yaml": ["--input", "Where is my order A-1002? It was supposed to arrive last week."],
    "launch-planner.yaml": [
        "--input",
        "Launch version 1.0 of our open-source command-line tool in four weeks with a team of three.",
    ],
    "handbook-rag.yaml": ["--input", "How do I stop my brakes from squeaking?"],
    "migration-planner.yaml": [
        "--input",
        "Move our PostgreSQL 12 database to PostgreSQL 16 with less than five minutes of downtime.",
    ],
    "support-triage.yaml": ["--input", "I was charged twice for my March invoice"],
    "code-review.yaml": ["--input", f"@{WORKFLOWS / 'data' / 'stats.diff'}"],
    "moderation-ensemble.yaml": ["--input", "Buy cheap watches at http://spam.example"],
    "planner-workers.yaml": ["--input", "Write a launch announcement for our CLI's 1.0"],
    "help-desk-swarm.yaml": ["--input", "My March invoice shows the same charge twice."],
    "report-team.yaml": ["--input", "Should we offer an on-premises edition next year?"],
    "editorial-supervisor.yaml": ["--input", "Explain in one paragraph why the sky is blue."],
    "review-digest.yaml": ["--input", f"@{WORKFLOWS / 'data' / 'reviews.jsonl'}"],
    "second-opinions.yaml": ["--input", "We plan to keep user sessions in Postgres instead of Redis. Good idea?"],
    "ticket-dispatch.yaml": ["--input", "The export button returns error 500 since this morning."],
    "chat.yaml": ["--input", "My name is Ada and I write compilers."],
    "local-models.yaml": ["--input", f"@{WORKFLOWS / 'data' / 'meeting-notes.txt'}"],
}

# Examples whose tool results change from day to day (the time server answers with today's date), so no
# cassette can hold their later model calls: the stub model server stands in for the provider through
# OPENAI_BASE_URL (real LiteLLM, real HTTP on 127.0.0.1), and the tools are real.
RUNS_AGAINST_THE_STUB: dict[str, tuple[list[str], list[dict[str, object]]]] = {
    "time-assistant.yaml": (
        ["--input", "If it is 9:30 in Berlin, what time is it in Tokyo?"],
        [
            {
                "tool_calls": [
                    {
                        "name": "time__convert_time",
                        "arguments": {
                            "source_timezone": "Europe/Berlin",
                            "time": "09:30",
                            "target_timezone": "Asia/Tokyo",
                        },
                    }
                ]
            }
        ],
    ),
}


def test_every_workflow_is_listed_here() -> None:
    shipped = {p.name for p in WORKFLOWS.glob("*.yaml")}
    assert shipped == set(RUNS_OFFLINE) | set(RUNS_AGAINST_THE_STUB)


@pytest.mark.parametrize("name", sorted(RUNS_AGAINST_THE_STUB))
def test_the_example_runs_with_real_tools_against_the_stub_model(cli: Cli, stub: StubModelServer, name: str) -> None:
    arguments, script = RUNS_AGAINST_THE_STUB[name]
    stub.script(script)
    env = {"OPENAI_BASE_URL": stub.base_url, "OPENAI_API_KEY": STUB_KEY}
    done = cli.run("run", str(WORKFLOWS / name), *arguments, "--json", env=env)
    assert done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout)
    assert outcome["status"] == "completed" and outcome["replayed_from"] is None
    # The stub answers the final turn by echoing the last tool result: the real server's answer.
    result = json.loads(outcome["result"].removeprefix("stub: "))
    assert result["target"]["timezone"] == "Asia/Tokyo"
    assert stub.stats()["total"] == 2


@pytest.mark.parametrize("name", sorted(RUNS_OFFLINE))
def test_the_example_runs_offline_from_its_cassette(cli: Cli, name: str) -> None:
    assert (WORKFLOWS / name.replace(".yaml", ".cassette.jsonl")).is_file()
    done = cli.run("run", str(WORKFLOWS / name), *RUNS_OFFLINE[name], "--json")
    assert done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout)
    assert outcome["status"] == "completed"
    assert outcome["replayed_from"] and outcome["result"] not in (None, "", [], {})
    assert "Traceback" not in done.stderr


def test_no_cassette_is_left_without_its_workflow() -> None:
    for cassette in WORKFLOWS.glob("*.cassette.jsonl"):
        assert cassette.with_name(cassette.name.replace(".cassette.jsonl", ".yaml")).is_file()
    assert all(Path(WORKFLOWS / n.replace(".yaml", ".cassette.jsonl")).is_file() for n in RUNS_OFFLINE)
