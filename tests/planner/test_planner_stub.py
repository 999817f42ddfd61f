"""The planner over real HTTP: real LiteLLM against the stub model server, in-process and through the CLI
(a plan that keeps breaking its prerequisites fails with exit 1 and completes on `aixgo resume`); and the
shipped examples, replayed offline from their cassettes.

The cassettes were recorded with the stub answering from the rules in tests/planner/data/ (see each
example's header), for exactly the inputs below.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.engine.engine_helpers import Harness
from tests.planner.planner_helpers import PROBLEM, RESULT_KEYS, plan_reply, simple_plan, step, workflow
from tests.support.e2e import REPO, STUB_KEY, Cli, stub_service

from aixgo_cli.engine.runner import RunParams
from aixgo_cli.providers.stack import build_client
from aixgo_cli.testing.stub_model_server import StubModelServer

LAUNCH_INPUT = "Launch version 1.0 of our open-source command-line tool in four weeks with a team of three."
DATA = Path(__file__).parent / "data"
MIGRATION_INPUT = "Move our PostgreSQL 12 database to PostgreSQL 16 with less than five minutes of downtime."


def test_real_litellm_plan_with_a_bad_prerequisite_fed_back(mem: Harness, stub: StubModelServer) -> None:
    mem.write(workflow("parallelizable_steps: true\n", top_extra=stub_service(stub), model="stub"))
    stub.script(
        [plan_reply(step(1, "a", [3]), step(2, "b")), plan_reply(step(1, "a"), step(2, "b"), step(3, "c", [1, 2]))]
    )
    services = [dict(s) for s in mem.load().model_services.values()]

    outcome = mem.start(build_client(lambda name: STUB_KEY, services), RunParams(input=PROBLEM))

    assert outcome.status == "completed", outcome.error
    result = outcome.result
    assert list(result) == RESULT_KEYS
    assert result["parallel_groups"] == [[1, 2], [3]]
    assert result["tokens_used"] == outcome.spent.tokens > 0
    requests = stub.stats()["requests"]
    assert len(requests) == 2
    assert PROBLEM in requests[0]["last_user"]
    assert "step 1 lists prerequisite 3, but there are only 2 steps" in requests[1]["last_user"]


@pytest.mark.slow
def test_cli_fails_with_exit_1_on_plans_that_never_fit_and_resume_completes(cli: Cli, stub: StubModelServer) -> None:
    cli.write("wf.yaml", workflow(top_extra=stub_service(stub), model="stub"))
    looping = plan_reply(step(1, "a", [1]))
    stub.script(["Here is my plan: first, ...", looping, looping])

    failed = cli.run("run", "wf.yaml", "--input", PROBLEM, "--json")

    assert failed.returncode == 1, failed.stderr
    outcome = json.loads(failed.stdout)
    assert outcome["status"] == "failed"
    assert "agent 'planner' failed: the model's plan was still not usable after 3 attempts" in outcome["error"]
    assert "step 1 lists itself as a prerequisite" in outcome["error"]
    assert f"aixgo resume {outcome['run_id']}" in failed.stderr

    stub.script([simple_plan("fixed", 3)])
    resumed = cli.run("resume", outcome["run_id"], "--json")

    assert resumed.returncode == 0, resumed.stderr
    final = json.loads(resumed.stdout)
    assert final["status"] == "completed"
    assert [s["action"] for s in final["result"]["steps"]] == ["fixed1", "fixed2", "fixed3"]
    assert stub.stats()["total"] == 4  # the three failed attempts were replayed from the journal


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "problem", "calls"),
    [("launch-planner", LAUNCH_INPUT, 5), ("migration-planner", MIGRATION_INPUT, 7)],
)
def test_the_example_replays_its_cassette_without_a_key(cli: Cli, name: str, problem: str, calls: int) -> None:
    cassette = REPO / "workflows" / f"{name}.cassette.jsonl"
    assert len(cassette.read_text(encoding="utf-8").splitlines()) == 1 + calls

    done = cli.run("run", str(REPO / "workflows" / f"{name}.yaml"), "--input", problem, "--json")

    assert done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout)
    assert outcome["replayed_from"].endswith(f"{name}.cassette.jsonl")
    result = outcome["result"]
    assert list(result) == RESULT_KEYS
    assert result["problem"] == problem
    assert result["tokens_used"] > 0
    assert result["critical_path"][-1] == len(result["steps"])
    assert result["execution_strategy"] == "parallel_optimized"
    if name == "launch-planner":
        assert result["planning_strategy"] == "tree_of_thought"
        assert result["self_critique"].startswith("1. Completeness")
        assert all(step["alternatives"] for step in result["steps"])
        assert result["parallel_groups"] == [[1], [2, 3], [4], [5], [6]]
    else:
        assert result["planning_strategy"] == "monte_carlo"
        assert "logical replication" in result["steps"][2]["action"]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "problem"), [("launch-planner", LAUNCH_INPUT), ("migration-planner", MIGRATION_INPUT)]
)
def test_the_recording_rules_reproduce_the_shipped_cassette(
    cli: Cli, stub: StubModelServer, tmp_path: Path, name: str, problem: str
) -> None:
    """Re-record the example against the stub with its stored rules and get the same requests. After a
    prompt change, regenerate the shipped cassette the same way: start `python -m
    aixgo_cli.testing.stub_model_server --port 0 --port-file F --rules tests/planner/data/NAME.rules.json`,
    then run the example with its --input, OPENAI_API_KEY=sk-stub, OPENAI_BASE_URL=http://127.0.0.1:PORT/v1
    and --record workflows/NAME.cassette.jsonl."""
    stub.set_rules(json.loads((DATA / f"{name}.rules.json").read_text(encoding="utf-8")))
    cassette = tmp_path / "recorded.cassette.jsonl"
    env = {"OPENAI_API_KEY": "sk-stub", "OPENAI_BASE_URL": stub.base_url}
    example = str(REPO / "workflows" / f"{name}.yaml")

    done = cli.run("run", example, "--input", problem, "--record", str(cassette), "--json", env=env)

    assert done.returncode == 0, done.stderr
    assert _keys(cassette) == _keys(REPO / "workflows" / f"{name}.cassette.jsonl")


def _keys(path: Path) -> list[str]:
    return [json.loads(line)["key"] for line in path.read_text(encoding="utf-8").splitlines()[1:]]
