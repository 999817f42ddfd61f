"""Graph mode (no `orchestration:`): a producer fans items out into lanes, each lane runs the agents the
producer reaches, and the run's result is every lane's sink output in lane order. Also the event stream
the engine emits for such a run."""

from __future__ import annotations

import json
import threading

from tests.engine.engine_helpers import Harness, by_model, user_text

from aixgo_cli.engine.runner import RunParams
from aixgo_cli.errors import UserError
from aixgo_cli.events import (
    EVENTS_FORMAT_VERSION,
    LLMCalled,
    RunFinished,
    RunStarted,
    StepFinished,
    StepStarted,
    Token,
    event_to_json,
)
from aixgo_cli.providers.types import ChatRequest
from aixgo_cli.testing.fake_client import ScriptedClient

PIPELINE = """\
version: 1
name: pipeline
agents:
  - name: reader
    role: producer
    producer_config:
      {producer}
    outputs: [answer]
  - name: answer
    role: react
    model: fake/answer
    prompt: "Answer briefly: {{{{ input }}}}"
  - name: sink
    role: logger
    inputs: [answer]
    logger_config:
      sink: file
      path: "@ROOT@/out.jsonl"
      format: jsonl
"""


def pipeline(producer: str) -> str:
    return PIPELINE.format(producer=producer)


def test_items_flow_through_lanes_and_results_keep_lane_order(engine: Harness) -> None:
    engine.write(pipeline('source: items\n      items: ["alpha", "beta", "gamma"]'))
    gamma_done = threading.Event()
    engine.listeners.append(
        lambda e: gamma_done.set() if isinstance(e, StepFinished) and e.place == "reader[2]/answer" else None
    )

    def answer(request: ChatRequest) -> str:
        text = user_text(request)
        if "alpha" in text:  # the first lane finishes last: the result must still list it first
            gamma_done.wait(timeout=10)
        return "answer to " + text.rsplit(": ", 1)[-1]

    outcome = engine.start(by_model({"fake/answer": answer}))

    assert outcome.status == "completed", outcome.error
    assert outcome.result == ["answer to alpha", "answer to beta", "answer to gamma"]
    finished = [e.place for e in engine.of(StepFinished)]
    assert finished.index("reader[2]/answer") < finished.index("reader[0]/answer")  # they really overlapped
    lines = (engine.root / "out.jsonl").read_text(encoding="utf-8").splitlines()
    assert sorted(json.loads(line) for line in lines) == outcome.result
    units = engine.units(outcome.run_id)
    assert set(units) == {"source/reader"} | {f"reader[{i}]/{a}" for i in range(3) for a in ("answer", "sink")}
    assert {u.status for u in units.values()} == {"completed"}
    assert all(u.unit_key.startswith(u.place + "#") for u in units.values())
    assert engine.output(outcome.run_id, "source/reader") == ["alpha", "beta", "gamma"]
    run = engine.journal.get_run(outcome.run_id)
    assert run is not None and run.status == "completed"
    assert run.result_json is not None and json.loads(run.result_json) == outcome.result


def test_input_lines_become_items_and_the_input_is_kept_for_resume(engine: Harness) -> None:
    engine.write(pipeline("source: input\n      format: lines"))
    client = ScriptedClient()

    outcome = engine.start(client, RunParams(input="first\n\nsecond\n", concurrency=1))

    assert outcome.status == "completed", outcome.error
    assert outcome.result == ["stub: Answer briefly: first", "stub: Answer briefly: second"]
    assert [r.messages[-1].content for r in client.requests] == ["Answer briefly: first", "Answer briefly: second"]
    run = engine.journal.get_run(outcome.run_id)
    assert run is not None and RunParams.from_json(run.params_json).input == "first\n\nsecond\n"
    lines = (engine.root / "out.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == outcome.result


def test_jsonl_items_are_structured_and_the_logger_writes_json_objects(engine: Harness) -> None:
    engine.write(
        pipeline("source: input\n      format: jsonl").replace(
            'prompt: "Answer briefly: {{ input }}"', 'prompt: "Label ticket {{ item.id }}: {{ item.text }}"'
        )
    )

    def label(request: ChatRequest) -> str:
        ticket = user_text(request).split()[2].rstrip(":")
        return json.dumps({"id": int(ticket), "label": "bug" if "crash" in user_text(request) else "praise"})

    tickets = '{"id": 1, "text": "love it"}\n{"id": 2, "text": "it crashes"}\n'
    outcome = engine.start(by_model({"fake/answer": label}), RunParams(input=tickets, concurrency=1))

    assert outcome.status == "completed", outcome.error
    assert engine.output(outcome.run_id, "source/reader") == [
        {"id": 1, "text": "love it"},
        {"id": 2, "text": "it crashes"},
    ]
    written = [json.loads(line) for line in (engine.root / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert written == [{"id": 1, "label": "praise"}, {"id": 2, "label": "bug"}]


def test_graph_without_producer_runs_once_on_the_input(mem: Harness) -> None:
    mem.write("""\
        version: 1
        name: chain
        agents:
          - name: draft
            role: react
            model: fake/draft
            prompt: Draft a reply.
            outputs: [polish]
          - name: polish
            role: react
            model: fake/polish
            prompt: Polish the draft.
        """)
    client = by_model({"fake/draft": "a draft", "fake/polish": lambda r: "polished " + user_text(r)})

    outcome = mem.start(client, RunParams(input="customer asks about refunds"))

    assert outcome.status == "completed", outcome.error
    assert outcome.result == "polished a draft"
    assert [r.model for r in client.requests] == ["fake/draft", "fake/polish"]
    assert client.requests[0].messages[0].content == "Draft a reply."
    assert client.requests[0].messages[1].content == "customer asks about refunds"
    assert set(mem.units(outcome.run_id)) == {"main/draft", "main/polish"}


def test_events_describe_the_run_and_serialise_as_versioned_json(engine: Harness) -> None:
    engine.write(pipeline('source: items\n      items: ["one", "two"]'))

    first = engine.start(ScriptedClient(), RunParams(concurrency=1))

    assert first.status == "completed", first.error
    kinds = engine.kinds()
    assert kinds[0] == "run_started" and kinds[-1] == "run_finished"
    assert kinds.count("step_started") == kinds.count("step_finished") == 5
    assert kinds.count("llm_called") == 2
    assert all(not e.cached for e in engine.of(StepFinished) + engine.of(LLMCalled))
    started = {e.unit_key for e in engine.of(StepStarted)}
    assert started == {e.unit_key for e in engine.of(StepFinished)}
    assert {e.role for e in engine.of(StepStarted)} == {"producer", "react", "logger"}
    finished = engine.of(RunFinished)[0]
    assert (finished.status, finished.steps, finished.cached_steps) == ("completed", 5, 0)
    assert finished.tokens == sum(e.prompt_tokens + e.completion_tokens for e in engine.of(LLMCalled)) > 0
    for event in engine.events:
        data = json.loads(event_to_json(event))
        assert data["v"] == EVENTS_FORMAT_VERSION == 1
        assert data["kind"] == event.kind
        assert data["run_id"] == first.run_id
    stored = engine.journal.list_events(first.run_id)
    assert [e.seq for e in stored] == list(range(1, len(stored) + 1))
    assert {e.kind for e in stored} >= {"run_started", "step_finished", "run_finished"}
    assert all(json.loads(e.payload_json)["kind"] == e.kind for e in stored)

    engine.events.clear()
    again = engine.resume(first.run_id, ScriptedClient())

    assert again.status == "completed" and again.result == first.result
    replayed = engine.of(StepFinished)
    assert len(replayed) == 5 and all(e.cached for e in replayed)
    assert engine.of(StepStarted) == [] and engine.of(LLMCalled) == []
    assert engine.of(RunStarted)[0].resumed is True
    assert engine.of(RunFinished)[0].cached_steps == 5


def test_stdin_is_read_once_and_its_items_are_replayed_on_resume(engine: Harness) -> None:
    engine.write(pipeline("source: stdin\n      count: 2"))
    reads: list[str] = []

    def stdin() -> str:
        reads.append("read")
        return "one\ntwo\nthree\n"

    first = engine.start(ScriptedClient(), RunParams(concurrency=1), stdin_reader=stdin)
    assert first.status == "completed", first.error
    assert first.result == ["stub: Answer briefly: one", "stub: Answer briefly: two"]  # count: 2

    def no_stdin() -> str:
        raise AssertionError("stdin read again")

    again = engine.resume(first.run_id, ScriptedClient(), runner_options={"stdin_reader": no_stdin})

    assert again.status == "completed", again.error
    assert again.result == first.result
    assert reads == ["read"]


def test_a_file_source_is_read_relative_to_the_workflow(mem: Harness) -> None:
    (mem.root / "data").mkdir()
    (mem.root / "data" / "items.json").write_text('["x", {"k": 1}]', encoding="utf-8")
    mem.write(pipeline("source: file\n      file: data/items.json\n      format: json"))

    outcome = mem.start(ScriptedClient(), RunParams(concurrency=1))

    assert outcome.status == "completed", outcome.error
    assert mem.output(outcome.run_id, "source/reader") == ["x", {"k": 1}]
    assert outcome.result == ["stub: Answer briefly: x", 'stub: Answer briefly: {"k": 1}']


def test_a_stdin_producer_without_stdin_fails_with_a_user_error(mem: Harness) -> None:
    mem.write(pipeline("source: stdin"))

    outcome = mem.start(ScriptedClient())

    assert outcome.status == "failed"
    assert isinstance(outcome.error, UserError)
    assert "stdin" in outcome.error.message
    assert outcome.error.hint is not None and "cat items.jsonl" in outcome.error.hint


def test_streaming_emits_token_events_that_are_not_journaled(mem: Harness) -> None:
    mem.write(pipeline('source: items\n      items: ["one"]'))

    outcome = mem.start(ScriptedClient(["streamed answer"]), stream=True)

    assert outcome.status == "completed", outcome.error
    tokens = mem.of(Token)
    assert [(t.agent, t.text) for t in tokens] == [("answer", "streamed answer")]
    assert "token" not in {e.kind for e in mem.journal.list_events(outcome.run_id)}


def test_a_logger_with_item_writes_each_result_beside_the_item_it_came_from(engine: Harness) -> None:
    text = pipeline('source: items\n      items: [{"id": 1, "q": "alpha"}, {"id": 2, "q": "beta"}]')
    engine.write(text.replace("      format: jsonl\n", "      format: jsonl\n      with_item: true\n"))

    def answer(request: ChatRequest) -> str:
        return "answer for " + ("alpha" if "alpha" in user_text(request) else "beta")

    outcome = engine.start(by_model({"fake/answer": answer}))

    assert outcome.status == "completed", outcome.error
    lines = [json.loads(line) for line in (engine.root / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    by_id = {line["item"]["id"]: line["result"] for line in lines}
    assert set(by_id) == {1, 2}
    assert by_id == {1: "answer for alpha", 2: "answer for beta"}
    assert outcome.result == [by_id[1], by_id[2]]  # the unit's own output is still the plain value
