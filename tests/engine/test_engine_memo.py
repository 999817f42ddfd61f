"""The journal as a memo: a resumed run redoes nothing that completed, and after an edit to the workflow
file only the edited agent and what depends on it run again (like `make`)."""

from __future__ import annotations

import json

from tests.engine.engine_helpers import Harness, by_model, user_text

from aixgo_cli.engine.runner import RunParams
from aixgo_cli.events import RunFinished, StepFinished
from aixgo_cli.providers.types import ChatRequest
from aixgo_cli.testing.fake_client import ScriptedClient

CHAIN = """\
version: 1
name: chain
agents:
  - name: reader
    role: producer
    producer_config:
      source: items
      items: ["apples", "pears"]
    outputs: [summarise]
  - name: summarise
    role: react
    model: fake/summarise
    prompt: "Summarise: {{ input }}"
    outputs: [translate]
  - name: translate
    role: react
    model: fake/translate
    prompt: "Translate: {{ input }}"
  - name: sink
    role: logger
    inputs: [translate]
    logger_config:
      sink: file
      path: "@ROOT@/out.txt"
"""


def echo(request: ChatRequest) -> str:
    return f"<{user_text(request)}>"


def counting_client() -> ScriptedClient:
    return by_model({"fake/summarise": echo, "fake/translate": echo})


def test_resume_of_a_finished_walk_makes_no_model_call(engine: Harness) -> None:
    engine.write(CHAIN)
    first = engine.start(counting_client())
    assert first.status == "completed", first.error

    again = counting_client()
    second = engine.resume(first.run_id, again)

    assert second.status == "completed", second.error
    assert second.result == first.result == ["<Translate: <Summarise: apples>>", "<Translate: <Summarise: pears>>"]
    assert again.requests == []
    assert second.spent.steps == 0 and second.spent.cached_steps == 7
    assert all(e.cached for e in engine.of(StepFinished)[7:])
    assert (engine.root / "out.txt").read_text(encoding="utf-8").count("\n") == 2  # nothing logged twice
    run = engine.journal.get_run(first.run_id)
    assert run is not None and run.status == "completed" and run.steps == 7
    assert all(u.attempt == 1 for u in engine.units(first.run_id).values())


def test_resume_of_a_paused_run_replays_then_continues(engine: Harness) -> None:
    engine.write(CHAIN)
    first = engine.start(counting_client(), RunParams(max_steps=4, concurrency=1))
    assert first.status == "paused"

    rest = counting_client()
    second = engine.resume(first.run_id, rest, interrupted=False, max_steps=100)

    assert second.status == "completed", second.error
    assert len(rest.requests) == 2  # only the second item's two model calls
    assert all("pears" in user_text(r) for r in rest.requests)


def test_editing_a_prompt_reruns_that_agent_and_its_downstream_only(engine: Harness) -> None:
    engine.write(CHAIN)
    first = engine.start(counting_client())
    keys_before = {u.place: u.unit_key for u in engine.units(first.run_id).values()}

    engine.write(CHAIN.replace('prompt: "Translate: {{ input }}"', 'prompt: "Traduire: {{ input }}"'))
    after_edit = counting_client()
    second = engine.resume(first.run_id, after_edit)

    assert second.status == "completed", second.error
    assert second.result == ["<Traduire: <Summarise: apples>>", "<Traduire: <Summarise: pears>>"]
    assert [r.model for r in after_edit.requests] == ["fake/translate", "fake/translate"]
    keys_after = {e.place: e.unit_key for e in engine.of(StepFinished)[7:]}
    changed = {place for place, key in keys_after.items() if keys_before[place] != key}
    assert changed == {"reader[0]/translate", "reader[1]/translate", "reader[0]/sink", "reader[1]/sink"}
    replayed = {e.place for e in engine.of(StepFinished)[7:] if e.cached}
    assert replayed == {"source/reader", "reader[0]/summarise", "reader[1]/summarise"}


def test_editing_an_upstream_prompt_reruns_everything_below_it(engine: Harness) -> None:
    engine.write(CHAIN)
    first = engine.start(counting_client())

    engine.write(CHAIN.replace('prompt: "Summarise: {{ input }}"', 'prompt: "Condense: {{ input }}"'))
    after_edit = counting_client()
    second = engine.resume(first.run_id, after_edit)

    assert second.status == "completed", second.error
    assert sorted(r.model for r in after_edit.requests) == ["fake/summarise"] * 2 + ["fake/translate"] * 2
    assert engine.of(RunFinished)[-1].cached_steps == 1  # the producer only


def test_an_edit_that_leaves_an_output_unchanged_stops_the_reruns_there(mem: Harness) -> None:
    """Downstream units are keyed by their input, so a re-run that yields the same output spares them."""
    mem.write(CHAIN)
    constant = by_model({"fake/summarise": "fruit", "fake/translate": echo})
    first = mem.start(constant)
    assert first.status == "completed", first.error

    mem.write(CHAIN.replace('prompt: "Summarise: {{ input }}"', 'prompt: "Condense: {{ input }}"'))
    again = by_model({"fake/summarise": "fruit", "fake/translate": echo})
    second = mem.resume(first.run_id, again)

    assert second.result == first.result
    assert [r.model for r in again.requests] == ["fake/summarise", "fake/summarise"]


def test_changing_a_variable_reruns_units_that_read_it(mem: Harness) -> None:
    mem.write("""\
        version: 1
        name: vars
        inputs:
          tone: {type: string, default: plain}
        agents:
          - name: writer
            role: react
            model: fake/writer
            prompt: "Write in a {{ inputs.tone }} tone."
        """)
    first = mem.start(ScriptedClient(), RunParams(input="hello", variables={"tone": "plain"}))
    client = ScriptedClient()

    same = mem.resume(first.run_id, client)
    changed = mem.resume(first.run_id, client, variables={"tone": "formal"})

    assert same.result == first.result
    assert len(client.requests) == 1
    assert client.requests[0].messages[0].content == "Write in a formal tone."
    assert json.loads(json.dumps(changed.result)) == "stub: hello"
