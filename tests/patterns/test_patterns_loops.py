"""The looping patterns (swarm, reflection, supervisor, planning): the right members run, in the right
order, and every loop stops at its bound or its threshold with the reason in the result."""

from __future__ import annotations

import json

import pytest
from tests.engine.engine_helpers import Harness
from tests.patterns.patterns_helpers import counts, react, rules, run, services, workflow

from aixgo_cli.testing.stub_model_server import StubModelServer

# Swarm ------------------------------------------------------------------------------------------------

SWARM = """\
pattern: swarm
agents: [front, billing, tech]
config: {entry: front, max_handoffs: 3}
"""


def test_swarm_follows_handoffs_to_the_answer(mem: Harness, stub: StubModelServer) -> None:
    stub.set_rules(
        rules(front="HANDOFF: billing\nCustomer was charged twice.", billing="Refund on its way.", tech="never")
    )
    mem.write(workflow(stub, ["front", "billing", "tech"], SWARM))

    outcome = run(mem, "charged twice")

    assert outcome.status == "completed", outcome.error
    assert outcome.result == {
        "output": "Refund on its way.",
        "agent": "billing",
        "path": ["front", "billing"],
        "handoffs": 1,
        "stop_reason": "answered",
    }
    assert counts(stub) == {"front": 1, "billing": 1}
    billing = next(r for r in stub.stats()["requests"] if r["model"] == "billing")
    assert billing["last_user"] == "[billing] Customer was charged twice."  # the hand-off note, not the input
    assert list(mem.units(outcome.run_id)) == ["main/orchestration/0:front", "main/orchestration/1:billing"]


def test_swarm_stops_at_max_handoffs(mem: Harness, stub: StubModelServer) -> None:
    stub.set_rules(rules(front="HANDOFF: tech", tech="HANDOFF: front"))
    mem.write(workflow(stub, ["front", "billing", "tech"], SWARM))

    outcome = run(mem, "ping pong")

    assert outcome.status == "completed", outcome.error
    assert outcome.result == {
        "output": "HANDOFF: front",
        "agent": "tech",
        "path": ["front", "tech", "front", "tech"],
        "handoffs": 3,
        "stop_reason": "max_handoffs",
    }
    assert counts(stub) == {"front": 2, "tech": 2}  # 4 turns: the entry and three hand-offs


def test_swarm_handoff_to_a_non_member_fails_naming_the_members(mem: Harness, stub: StubModelServer) -> None:
    stub.set_rules(rules(front="HANDOFF: legal"))
    mem.write(workflow(stub, ["front", "billing", "tech"], SWARM))

    outcome = run(mem)

    assert outcome.status == "failed"
    assert outcome.error is not None
    assert "handed off to 'legal', which is not a member of the swarm (members: front, billing, tech)" in (
        outcome.error.message
    )


# Reflection -------------------------------------------------------------------------------------------

REFLECTION = """\
pattern: reflection
config: {generator: writer, critic: critic, max_iterations: 4, quality_threshold: 0.8}
"""


def writer_rules(critic_scores: list[float]) -> list[dict[str, object]]:
    """The writer's n-th draft is `draft n`; the critic scores draft n with critic_scores[n-1]."""
    found: list[dict[str, object]] = []
    for n in range(len(critic_scores), 0, -1):
        found.append({"match": rf"(?s)^\[critic\].*draft {n}", "reply": json.dumps({"score": critic_scores[n - 1]})})
        previous = f"(?s)^\\[writer\\].*draft {n - 1}" if n > 1 else r"^\[writer\]"
        found.append({"match": previous, "reply": f"draft {n}"})
    return found


def test_reflection_stops_at_the_quality_threshold(mem: Harness, stub: StubModelServer) -> None:
    stub.set_rules(writer_rules([0.4, 0.6, 0.85, 0.9]))
    mem.write(workflow(stub, ["writer", "critic"], REFLECTION))

    outcome = run(mem, "write a haiku")

    assert outcome.status == "completed", outcome.error
    assert outcome.result["output"] == "draft 3"
    assert outcome.result["stop_reason"] == "quality_threshold"
    assert [h["score"] for h in outcome.result["history"]] == [0.4, 0.6, 0.85]
    assert counts(stub) == {"writer": 3, "critic": 3}


def test_reflection_stops_at_max_iterations_with_the_best_answer(mem: Harness, stub: StubModelServer) -> None:
    stub.set_rules(writer_rules([0.5, 0.7, 0.6, 0.65, 0.99]))
    mem.write(workflow(stub, ["writer", "critic"], REFLECTION))

    outcome = run(mem)

    assert outcome.status == "completed", outcome.error
    assert outcome.result["stop_reason"] == "max_iterations"
    assert outcome.result["iterations"] == 4
    assert (outcome.result["output"], outcome.result["score"]) == ("draft 2", 0.7)
    assert counts(stub) == {"writer": 4, "critic": 4}


def test_reflection_stops_when_a_round_improves_too_little(mem: Harness, stub: StubModelServer) -> None:
    stub.set_rules(writer_rules([0.5, 0.52, 0.9]))
    mem.write(workflow(stub, ["writer", "critic"], REFLECTION.replace("0.8}", "0.8, improvement_threshold: 0.05}")))

    outcome = run(mem)

    assert outcome.status == "completed", outcome.error
    assert outcome.result["stop_reason"] == "no_improvement"
    assert counts(stub) == {"writer": 2, "critic": 2}


def test_reflection_critic_without_a_score_fails_the_step(mem: Harness, stub: StubModelServer) -> None:
    stub.set_rules(rules(writer="draft 1", critic="Looks fine to me."))
    mem.write(workflow(stub, ["writer", "critic"], REFLECTION))

    outcome = run(mem)

    assert outcome.status == "failed"
    assert outcome.error is not None and "the critic 'critic' gave no score in round 1" in outcome.error.message


# Supervisor -------------------------------------------------------------------------------------------

BOSS = """\
  - name: boss
    role: react
    model: svc-boss
    prompt: "[boss] {{ input }}"
"""


def test_supervisor_best_match_asks_who_works_next_until_done(mem: Harness, stub: StubModelServer) -> None:
    stub.set_rules(
        [
            {"match": r"(?s)^\[boss\].*\[writer\]", "reply": "DONE"},
            {"match": r"(?s)^\[boss\].*\[researcher\]", "reply": "writer"},
            {"match": r"^\[boss\]", "reply": "Researcher."},
            *rules(researcher="three facts", writer="a paragraph", editor="never"),
        ]
    )
    mem.write(
        workflow(
            stub,
            ["researcher", "writer", "editor"],
            "pattern: supervisor\nagents: [researcher, writer, editor]\nconfig: {supervisor: boss, max_rounds: 5}\n",
            agents=BOSS,
        )
    )

    outcome = run(mem, "write about owls")

    assert outcome.status == "completed", outcome.error
    result = outcome.result
    assert (result["output"], result["rounds"], result["stop_reason"]) == ("a paragraph", 2, "done")
    assert [t["agent"] for t in result["transcript"]] == ["researcher", "writer"]
    assert counts(stub) == {"boss": 3, "researcher": 1, "writer": 1}


def test_supervisor_reply_naming_no_member_fails(mem: Harness, stub: StubModelServer) -> None:
    stub.set_rules(rules(boss="the intern"))
    mem.write(
        workflow(
            stub,
            ["researcher", "writer"],
            "pattern: supervisor\nagents: [researcher, writer]\nconfig: {supervisor: boss, max_rounds: 5}\n",
            agents=BOSS,
        )
    )

    outcome = run(mem)

    assert outcome.status == "failed"
    assert outcome.error is not None and "names no member (members: researcher, writer)" in outcome.error.message


def test_supervisor_round_robin_stops_at_max_rounds(mem: Harness, stub: StubModelServer) -> None:
    stub.set_rules(rules(a="from a", b="from b"))
    mem.write(workflow(stub, ["a", "b"], "pattern: supervisor\nagents: [a, b]\nconfig: {max_rounds: 3}\n"))

    outcome = run(mem)

    assert outcome.status == "completed", outcome.error
    assert outcome.result["stop_reason"] == "max_rounds"
    assert [t["agent"] for t in outcome.result["transcript"]] == ["a", "b", "a"]
    assert counts(stub) == {"a": 2, "b": 1}


@pytest.mark.parametrize(("text", "ok"), [("@b please do it", True), ("no address", False)])
def test_supervisor_manual_routing_reads_the_member_from_the_input(
    mem: Harness, stub: StubModelServer, text: str, ok: bool
) -> None:
    stub.set_rules(rules(a="from a", b="from b"))
    config = "pattern: supervisor\nagents: [a, b]\nconfig: {routing_strategy: manual, max_rounds: 3}\n"
    mem.write(workflow(stub, ["a", "b"], config))

    outcome = run(mem, text)

    if ok:
        assert outcome.status == "completed", outcome.error
        assert (outcome.result["output"], outcome.result["stop_reason"]) == ("from b", "manual")
        assert counts(stub) == {"b": 1}
    else:
        assert outcome.status == "failed"
        assert outcome.error is not None and "@member" in outcome.error.message
        assert counts(stub) == {}


def test_the_top_level_supervisor_block_supervises_flows_that_name_none(mem: Harness, stub: StubModelServer) -> None:
    stub.set_rules(
        [
            *rules(a="from a", b="from b"),
            {"match": r"(?s)Work so far:.*\[b\]", "reply": "DONE"},
            {"match": r"(?s)Work so far:.*\[a\]", "reply": "b"},
            {"match": r"^the task$", "reply": "a"},
        ]
    )
    text = (
        "version: 1\nname: top-supervisor\n"
        + services(stub, ["a", "b", "boss"])
        + "supervisor:\n  name: chief\n  model: svc-boss\n  max_rounds: 4\n"
        + "  system_prompt: You run a two-person team.\n"
        + "agents:\n"
        + react("a")
        + react("b")
        + "orchestration:\n  pattern: supervisor\n  agents: [a, b]\n"
    )
    mem.write(text)

    outcome = run(mem, "the task")

    assert outcome.status == "completed", outcome.error
    assert (outcome.result["stop_reason"], outcome.result["rounds"]) == ("done", 2)
    assert [t["agent"] for t in outcome.result["transcript"]] == ["a", "b"]
    assert counts(stub) == {"boss": 3, "a": 1, "b": 1}
    assert "main/orchestration/1.route:chief" in mem.units(outcome.run_id)
