"""Orchestration patterns run by the engine: sequential and parallel, nested through `flows:`, with
stable places (so a resumed run finds the same unit keys) and their error and aggregation rules."""

from __future__ import annotations

import textwrap
import threading
from collections.abc import Callable

import pytest
from tests.engine.engine_helpers import Harness, by_model, user_text
from tests.support.hints import hint_of

from aixgo_cli.config.validate import validate_path
from aixgo_cli.engine.runner import RunParams
from aixgo_cli.errors import RunError, RunPaused
from aixgo_cli.events import StepFailed, StepFinished
from aixgo_cli.providers.errors import ProviderError
from aixgo_cli.providers.types import ChatRequest
from aixgo_cli.testing.fake_client import ScriptedClient


def agents(*names: str) -> str:
    return "".join(f"  - name: {n}\n    role: react\n    model: fake/{n}\n    prompt: You are {n}.\n" for n in names)


def workflow(orchestration: str, *names: str, flows: str = "", extra: str = "") -> str:
    text = f"version: 1\nname: patterns\nagents:\n{agents(*names)}"
    if flows:
        text += "flows:\n" + textwrap.indent(textwrap.dedent(flows), "  ")
    return text + "orchestration:\n" + textwrap.indent(textwrap.dedent(orchestration), "  ") + extra


def broken(name: str) -> ProviderError:
    return ProviderError(f"{name} is down", kind="server", retryable=False, model=f"fake/{name}")


def tag(name: str) -> Callable[[ChatRequest], str]:
    return lambda request: f"{name}({user_text(request)})"


# Sequential -------------------------------------------------------------------------------------------


def test_sequential_chains_each_output_into_the_next_member(engine: Harness) -> None:
    engine.write(workflow("pattern: sequential\nagents: [a, b, c]\n", "a", "b", "c"))
    client = by_model({"fake/a": tag("a"), "fake/b": tag("b"), "fake/c": tag("c")})

    outcome = engine.start(client, RunParams(input="x"))

    assert outcome.status == "completed", outcome.error
    assert outcome.result == "c(b(a(x)))"
    assert [r.model for r in client.requests] == ["fake/a", "fake/b", "fake/c"]
    assert list(engine.units(outcome.run_id)) == [
        "main/orchestration/0:a",
        "main/orchestration/1:b",
        "main/orchestration/2:c",
    ]


def test_sequential_stops_at_a_failed_member_by_default(mem: Harness) -> None:
    mem.write(workflow("pattern: sequential\nagents: [a, b, c]\n", "a", "b", "c"))
    client = by_model({"fake/a": tag("a"), "fake/b": broken("b"), "fake/c": tag("c")})

    outcome = mem.start(client, RunParams(input="x"))

    assert outcome.status == "failed"
    assert outcome.error is not None and "b is down" in outcome.error.message
    assert [r.model for r in client.requests] == ["fake/a", "fake/b"]
    units = mem.units(outcome.run_id)
    assert (units["main/orchestration/0:a"].status, units["main/orchestration/1:b"].status) == ("completed", "failed")


def test_sequential_continue_passes_the_error_on(mem: Harness) -> None:
    mem.write(workflow("pattern: sequential\nagents: [a, b, c]\nconfig:\n  error_strategy: continue\n", "a", "b", "c"))
    client = by_model({"fake/a": tag("a"), "fake/b": broken("b"), "fake/c": tag("c")})

    outcome = mem.start(client, RunParams(input="x"))

    assert outcome.status == "completed", outcome.error
    assert outcome.result == "c(error from b: agent 'b' failed: b is down)"


def test_sequential_continue_does_not_swallow_a_pause(engine: Harness) -> None:
    """A limit reached inside a `continue` flow pauses the run; it is not a member failure to pass on."""
    engine.write(
        workflow("pattern: sequential\nagents: [a, b, c]\nconfig:\n  error_strategy: continue\n", "a", "b", "c")
    )
    client = by_model({"fake/a": tag("a"), "fake/b": tag("b"), "fake/c": tag("c")})

    outcome = engine.start(client, RunParams(input="x", max_steps=1))

    assert outcome.status == "paused"
    assert isinstance(outcome.error, RunPaused)
    assert [r.model for r in client.requests] == ["fake/a"]

    finished = engine.resume(outcome.run_id, client, interrupted=False, max_steps=10)
    assert finished.status == "completed", finished.error
    assert finished.result == "c(b(a(x)))"


def test_sequential_continue_does_not_swallow_an_interruption(mem: Harness) -> None:
    mem.write(workflow("pattern: sequential\nagents: [a, b, c]\nconfig:\n  error_strategy: continue\n", "a", "b", "c"))
    client = by_model({"fake/a": tag("a"), "fake/b": KeyboardInterrupt(), "fake/c": tag("c")})

    outcome = mem.start(client, RunParams(input="x"))

    assert outcome.status == "interrupted"
    assert [r.model for r in client.requests] == ["fake/a", "fake/b"]


# Parallel ---------------------------------------------------------------------------------------------


def test_parallel_maps_each_member_to_its_output(engine: Harness) -> None:
    engine.write(workflow("pattern: parallel\nagents: [a, b, c]\n", "a", "b", "c"))
    client = by_model({"fake/a": tag("a"), "fake/b": tag("b"), "fake/c": tag("c")})

    outcome = engine.start(client, RunParams(input="q"))

    assert outcome.status == "completed", outcome.error
    assert outcome.result == {"a": "a(q)", "b": "b(q)", "c": "c(q)"}
    assert list(outcome.result) == ["a", "b", "c"]
    assert set(engine.units(outcome.run_id)) == {f"main/orchestration/{i}:{n}" for i, n in enumerate("abc")}


@pytest.mark.parametrize(
    ("aggregation", "failing", "expected"),
    [
        ("any", ["a"], "b(q)"),
        ("all", ["b"], {"a": "a(q)", "c": "c(q)"}),
        ("majority", ["c"], {"a": "a(q)", "b": "b(q)"}),
        ("majority", ["a", "b"], RunError),
        ("all", ["a", "b", "c"], RunError),
        ("any", ["a", "b", "c"], RunError),
    ],
)
def test_parallel_aggregation_with_failing_members(
    mem: Harness, aggregation: str, failing: list[str], expected: object
) -> None:
    mem.write(workflow(f"pattern: parallel\nagents: [a, b, c]\nconfig:\n  aggregation: {aggregation}\n", "a", "b", "c"))
    client = by_model({f"fake/{n}": broken(n) if n in failing else tag(n) for n in "abc"})

    outcome = mem.start(client, RunParams(input="q"))

    if expected is RunError:
        assert outcome.status == "failed"
        assert isinstance(outcome.error, RunError)
        assert f"aixgo resume {outcome.run_id}" in hint_of(outcome.error)
    else:
        assert outcome.status == "completed", outcome.error
        assert outcome.result == expected
    assert len(client.requests) == 3  # every member ran: none is cancelled without fail_fast
    statuses = {u.place.rsplit(":", 1)[1]: u.status for u in mem.units(outcome.run_id).values()}
    assert statuses == {n: "failed" if n in failing else "completed" for n in "abc"}


def test_parallel_fail_fast_fails_the_flow_on_one_failure(mem: Harness) -> None:
    mem.write(
        workflow(
            "pattern: parallel\nagents: [a, b, c]\nconfig:\n  fail_fast: true\n  concurrency_limit: 1\n", "a", "b", "c"
        )
    )
    client = by_model({"fake/a": tag("a"), "fake/b": broken("b"), "fake/c": tag("c")})

    outcome = mem.start(client, RunParams(input="q"))

    assert outcome.status == "failed"
    assert outcome.error is not None and "b is down" in outcome.error.message
    assert [r.model for r in client.requests] == ["fake/a", "fake/b"]  # c never started


# Nesting and places -----------------------------------------------------------------------------------

NESTED_FLOWS = """\
experts:
  pattern: parallel
  agents: [economist, engineer]
"""


def nested() -> str:
    return workflow(
        "pattern: sequential\nagents: [experts, synthesis]\n",
        "economist",
        "engineer",
        "synthesis",
        flows=NESTED_FLOWS,
    )


def nested_client() -> ScriptedClient:
    def synthesis(request: ChatRequest) -> str:
        return "merged " + user_text(request)

    return by_model({"fake/economist": "costly", "fake/engineer": "doable", "fake/synthesis": synthesis})


def test_a_sequential_flow_over_a_parallel_flow(engine: Harness) -> None:
    engine.write(nested())

    outcome = engine.start(nested_client(), RunParams(input="should we?"))

    assert outcome.status == "completed", outcome.error
    assert outcome.result == 'merged {"economist": "costly", "engineer": "doable"}'
    assert set(engine.units(outcome.run_id)) == {
        "main/orchestration/0:experts/0:economist",
        "main/orchestration/0:experts/1:engineer",
        "main/orchestration/1:synthesis",
    }


def test_places_and_keys_are_stable_across_runs_and_resumes(engine: Harness) -> None:
    engine.write(nested())
    first = engine.start(nested_client(), RunParams(input="should we?"))
    keys = {u.place: u.unit_key for u in engine.units(first.run_id).values()}
    other = engine.start(nested_client(), RunParams(input="should we?"))
    assert {u.place: u.unit_key for u in engine.units(other.run_id).values()} == keys

    engine.events.clear()
    client = nested_client()
    again = engine.resume(first.run_id, client)

    assert again.result == first.result
    assert client.requests == []
    assert {e.place: e.unit_key for e in engine.of(StepFinished)} == keys
    assert all(e.cached for e in engine.of(StepFinished))


def test_a_failed_parallel_member_is_the_only_unit_redone_on_resume(engine: Harness) -> None:
    engine.write(
        nested().replace(
            "agents: [economist, engineer]", "agents: [economist, engineer]\n    config: {fail_fast: true}"
        )
    )
    failing = by_model({"fake/economist": "costly", "fake/engineer": broken("engineer")})
    first = engine.start(failing, RunParams(input="should we?"))
    assert first.status == "failed"

    client = nested_client()
    second = engine.resume(first.run_id, client)

    assert second.status == "completed", second.error
    assert sorted(r.model for r in client.requests) == ["fake/engineer", "fake/synthesis"]
    units = engine.units(first.run_id)
    assert units["main/orchestration/0:experts/0:economist"].attempt == 1
    assert units["main/orchestration/0:experts/1:engineer"].attempt == 2


def test_loggers_outside_the_orchestration_receive_its_result(mem: Harness) -> None:
    mem.write(
        workflow("pattern: sequential\nagents: [a]\n", "a").replace(
            "orchestration:",
            "  - name: log\n    role: logger\n    logger_config: {sink: file, path: log.txt}\norchestration:",
        )
    )

    outcome = mem.start(by_model({"fake/a": tag("a")}), RunParams(input="x"))

    assert outcome.status == "completed", outcome.error
    assert outcome.result == "a(x)"
    assert (mem.root / "log.txt").read_text(encoding="utf-8") == "a(x)\n"
    assert set(mem.units(outcome.run_id)) == {"main/orchestration/0:a", "main/log"}


def test_parallel_fail_fast_starts_no_member_after_a_failure_when_concurrent(mem: Harness) -> None:
    mem.write(
        workflow(
            "pattern: parallel\nagents: [a, b, c, d]\nconfig:\n  fail_fast: true\n  concurrency_limit: 2\n",
            "a",
            "b",
            "c",
            "d",
        )
    )
    b_started, a_failed = threading.Event(), threading.Event()
    mem.listeners.append(lambda e: a_failed.set() if isinstance(e, StepFailed) and e.agent == "a" else None)

    def failing_a(request: ChatRequest) -> str:
        b_started.wait(timeout=10)
        raise broken("a")

    def slow_b(request: ChatRequest) -> str:
        b_started.set()
        a_failed.wait(timeout=10)  # b is still running when a fails, and the pool has room for c
        return "b"

    client = by_model({"fake/a": failing_a, "fake/b": slow_b, "fake/c": tag("c"), "fake/d": tag("d")})

    outcome = mem.start(client, RunParams(input="q"))

    assert outcome.status == "failed"
    assert outcome.error is not None and "a is down" in outcome.error.message
    assert sorted(r.model for r in client.requests) == ["fake/a", "fake/b"]
    assert set(mem.units(outcome.run_id)) == {"main/orchestration/0:a", "main/orchestration/1:b"}


def test_a_producer_feeds_each_item_through_the_orchestration(engine: Harness) -> None:
    engine.write(
        workflow("pattern: sequential\nagents: [a, b]\n", "a", "b").replace(
            "orchestration:",
            "  - name: reader\n    role: producer\n    producer_config: {source: items, items: [x, y]}\n"
            "  - name: log\n    role: logger\n    logger_config: {sink: file, path: log.txt}\norchestration:",
        )
    )
    client = by_model({"fake/a": tag("a"), "fake/b": tag("b")})

    outcome = engine.start(client, RunParams(concurrency=1))

    assert outcome.status == "completed", outcome.error
    assert outcome.result == ["b(a(x))", "b(a(y))"]
    assert (engine.root / "log.txt").read_text(encoding="utf-8").splitlines() == ["b(a(x))", "b(a(y))"]
    assert set(engine.units(outcome.run_id)) == {
        "source/reader",
        *(f"reader[{i}]/{p}" for i in (0, 1) for p in ("orchestration/0:a", "orchestration/1:b", "log")),
    }


# Instructions from patterns --------------------------------------------------------------------------


def test_a_patterns_instructions_reach_the_members_system_message_and_its_key(mem: Harness) -> None:
    """A swarm tells each member who its colleagues are: appended to the prompt's system message (one
    system message, whatever the provider), and part of the unit's key."""
    mem.write(workflow("pattern: swarm\nagents: [a, b]\nconfig: {max_handoffs: 2}\n", "a", "b"))
    client = by_model({"fake/a": "HANDOFF: b\nplease", "fake/b": "done"})

    outcome = mem.start(client, RunParams(input="x"))

    assert outcome.status == "completed", outcome.error
    first = client.requests[0]
    assert [m.role for m in first.messages] == ["system", "user"]
    system = first.messages[0].content or ""
    assert system.startswith("You are a.") and "HANDOFF: <name>" in system and "- b: a react agent" in system
    assert client.requests[1].messages[-1].content == "please"

    plain = ScriptedClient(["plain"])
    mem.write(workflow("pattern: sequential\nagents: [a]\n", "a", "b"))
    again = mem.start(plain, RunParams(input="x"))
    swarm_key = next(u.unit_key for u in mem.journal.list_units(outcome.run_id) if u.place.endswith("0:a"))
    plain_key = next(u.unit_key for u in mem.journal.list_units(again.run_id) if u.place.endswith("0:a"))
    assert swarm_key.split("#")[1] != plain_key.split("#")[1]  # same agent, same input, other instructions


def test_the_top_level_supervisor_block_may_name_an_existing_agent(mem: Harness) -> None:
    """Without a model, `supervisor.name` names the agent that supervises; it is not reported unused."""
    text = workflow("pattern: supervisor\nagents: [a, b]\n", "boss", "a", "b")
    mem.write(text.replace("agents:\n", "supervisor: {name: boss, max_rounds: 3}\nagents:\n", 1))

    def boss(request: ChatRequest) -> str:
        return "DONE" if "Work so far" in user_text(request) else "b"

    client = by_model({"fake/boss": boss, "fake/b": "from b"})

    outcome = mem.start(client, RunParams(input="x"))

    assert outcome.status == "completed", outcome.error
    assert (outcome.result["output"], outcome.result["stop_reason"]) == ("from b", "done")
    assert [r.model for r in client.requests] == ["fake/boss", "fake/b", "fake/boss"]
    assert not [i for i in validate_path(mem.root / "workflow.yaml").issues if i.code == "unreachable"]
