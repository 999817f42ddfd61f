"""Tool calls inside a react unit: journaled intent/result, replay on resume, the idempotency rule for a
call cut off mid-way, the idempotency key, and argument validation reported back to the model.

The tool module is written beside the workflow; it appends one line per call to `calls.log` (its side
effect, which survives the process and any module reload), and raises KeyboardInterrupt once if a
`crash-once` file exists, which is exactly what SIGINT/SIGTERM do to the main thread mid-call.
"""

from __future__ import annotations

import sys
import threading
import time

import pytest
from tests.engine.engine_helpers import Harness, tool_call
from tests.support.hints import hint_of

from aixgo_cli.engine.runner import RunOutcome, RunParams
from aixgo_cli.engine.tool_waits import run_within
from aixgo_cli.errors import RunError, RunPaused
from aixgo_cli.events import LLMCalled, StepFinished, ToolCalled
from aixgo_cli.providers.deadline import Deadline
from aixgo_cli.providers.errors import ProviderError
from aixgo_cli.testing.fake_client import ScriptedClient

TOOLS = '''\
from pathlib import Path

HERE = Path(__file__).parent


def lookup(order_id: int, idempotency_key: str = "") -> str:
    """Look up an order by its number."""
    with (HERE / "calls.log").open("a", encoding="utf-8") as log:
        log.write(f"{order_id} {idempotency_key}\\n")
    crash = HERE / "crash-once"
    if crash.exists():
        crash.unlink()
        raise KeyboardInterrupt
    return f"order {order_id}: shipped"


def shout(text: str) -> str:
    """Upper-case a text."""
    return text.upper()
'''

WORKFLOW = """\
version: 1
name: orders
tools:
  - name: lookup
    type: python
    callable: {module}:lookup
{extra}agents:
  - name: support
    role: react
    model: fake/support
    prompt: "Help the customer: {{{{ input }}}}"
    tools: [lookup]
"""


def setup(h: Harness, *, idempotent: bool = False) -> None:
    module = h.tool_module(TOOLS)
    h.write(WORKFLOW.format(module=module, extra="    idempotent: true\n" if idempotent else ""))


def tool_log(h: Harness) -> list[str]:
    path = h.root / "calls.log"
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def interrupted_in_tool(h: Harness) -> RunOutcome:
    """A run cut off while the tool runs: its call has an intent and no result."""
    (h.root / "crash-once").touch()
    outcome = h.start(ScriptedClient([tool_call("lookup", {"order_id": 7})]), RunParams(input="where is 7?"))
    assert outcome.status == "interrupted"
    [call] = h.calls(outcome.run_id, "tool")
    assert call.status == "intent" and call.response_json is None
    return outcome


def test_mid_unit_resume_replays_the_finished_model_and_tool_calls(engine: Harness) -> None:
    setup(engine)
    first = engine.start(
        ScriptedClient([tool_call("lookup", {"order_id": 7}), KeyboardInterrupt()]), RunParams(input="where is 7?")
    )
    assert first.status == "interrupted"
    assert first.error is not None and first.error.exit_code == 130
    assert [(c.kind, c.status) for c in engine.calls(first.run_id)] == [
        ("llm", "completed"),
        ("tool", "completed"),
        ("llm", "intent"),
    ]
    [unit] = engine.units(first.run_id).values()
    assert unit.status == "started"

    engine.events.clear()
    second_client = ScriptedClient(["Order 7 has shipped."])
    second = engine.resume(first.run_id, second_client, interrupted=False)

    assert second.status == "completed", second.error
    assert second.result == "Order 7 has shipped."
    assert len(tool_log(engine)) == 1  # the tool ran once in all
    assert len(second_client.requests) == 1  # only the second model call was sent
    sent = second_client.requests[0]
    assert [m.role for m in sent.messages] == ["user", "assistant", "tool"]
    assert sent.messages[-1].content == "order 7: shipped"
    assert [e.cached for e in engine.of(LLMCalled)] == [True, False]
    assert [(e.tool, e.cached, e.ok) for e in engine.of(ToolCalled)] == [("lookup", True, True)]
    [unit] = engine.units(first.run_id).values()
    assert (unit.status, unit.attempt) == ("completed", 2)


def test_tools_receive_the_run_and_unit_as_idempotency_key(mem: Harness) -> None:
    setup(mem)
    outcome = mem.start(ScriptedClient([tool_call("lookup", {"order_id": 3}), "done"]), RunParams(input="3?"))

    assert outcome.status == "completed", outcome.error
    [unit] = mem.units(outcome.run_id).values()
    assert tool_log(mem) == [f"3 {outcome.run_id}/{unit.unit_key}"]


def test_a_tool_cut_off_mid_call_stops_the_resume_unless_idempotent(engine: Harness) -> None:
    setup(engine)
    first = interrupted_in_tool(engine)

    client = ScriptedClient()
    refused = engine.resume(first.run_id, client)

    assert refused.status == "failed"
    assert isinstance(refused.error, RunError)
    assert "idempotent" in refused.error.message
    assert f"aixgo resume {first.run_id}" in hint_of(refused.error)
    assert "--rerun-interrupted-tools" in hint_of(refused.error)
    assert len(tool_log(engine)) == 1  # not run again
    assert client.requests == []  # the first model call was replayed, nothing was sent
    run = engine.journal.get_run(first.run_id)
    assert run is not None and run.status == "failed" and run.error is not None and "idempotent" in run.error


def test_rerun_interrupted_tools_runs_the_cut_off_call_again(engine: Harness) -> None:
    setup(engine)
    first = interrupted_in_tool(engine)

    client = ScriptedClient(["Order 7 has shipped."])
    outcome = engine.resume(first.run_id, client, runner_options={"rerun_interrupted_tools": True})

    assert outcome.status == "completed", outcome.error
    [unit] = engine.units(first.run_id).values()
    key = f"{first.run_id}/{unit.unit_key}"
    assert tool_log(engine) == [f"7 {key}", f"7 {key}"]  # same key both times: the tool can deduplicate
    assert len(client.requests) == 1 and client.requests[0].messages[-1].content == "order 7: shipped"


def test_an_idempotent_tool_cut_off_mid_call_is_simply_run_again(engine: Harness) -> None:
    setup(engine, idempotent=True)
    first = interrupted_in_tool(engine)

    client = ScriptedClient(["Order 7 has shipped."])
    outcome = engine.resume(first.run_id, client)

    assert outcome.status == "completed", outcome.error
    assert len(tool_log(engine)) == 2
    assert len(client.requests) == 1  # the first model call still came from the journal


def test_marking_the_tool_idempotent_after_the_fact_keeps_the_unit_and_its_key(mem: Harness) -> None:
    module = mem.tool_module(TOOLS)
    mem.write(WORKFLOW.format(module=module, extra=""))
    first = interrupted_in_tool(mem)

    mem.write(WORKFLOW.format(module=module, extra="    idempotent: true\n"))  # what the hint tells the user
    client = ScriptedClient(["Order 7 has shipped."])
    outcome = mem.resume(first.run_id, client)

    assert outcome.status == "completed", outcome.error
    first_key, second_key = (line.split()[1] for line in tool_log(mem))
    assert first_key == second_key
    assert len(client.requests) == 1


def test_arguments_that_break_the_schema_are_reported_to_the_model(mem: Harness) -> None:
    setup(mem)
    client = ScriptedClient(
        [
            tool_call("lookup", {"order_id": "seven"}, "c1"),
            tool_call("lookup", "{not json", "c2"),
            tool_call("lookup", {"order_id": 7, "extra": True}, "c3"),
            "I could not look it up.",
        ]
    )

    outcome = mem.start(client, RunParams(input="where is seven?"))

    assert outcome.status == "completed", outcome.error
    assert outcome.result == "I could not look it up."
    results = [r.messages[-1] for r in client.requests[1:]]
    assert all(m.role == "tool" and (m.content or "").startswith("error: ") for m in results)
    assert "schema" in (results[0].content or "") and "order_id" in (results[0].content or "")
    assert "not valid JSON" in (results[1].content or "")
    assert "schema" in (results[2].content or "")
    assert [m.tool_call_id for m in results] == ["c1", "c2", "c3"]
    assert tool_log(mem) == []  # never called with bad arguments
    assert [e.ok for e in mem.of(ToolCalled)] == [False, False, False]
    assert [c.status for c in mem.calls(outcome.run_id, "tool")] == ["completed"] * 3


def test_an_unknown_tool_name_is_reported_to_the_model(mem: Harness) -> None:
    setup(mem)
    client = ScriptedClient([tool_call("delete_everything", {}), "Sorry."])

    outcome = mem.start(client, RunParams(input="hi"))

    assert outcome.status == "completed", outcome.error
    answer = client.requests[1].messages[-1].content or ""
    assert answer.startswith("error: ") and "delete_everything" in answer and "lookup" in answer
    assert [(e.tool, e.ok) for e in mem.of(ToolCalled)] == [("delete_everything", False)]


def test_only_listed_tools_are_offered_and_a_failing_tool_is_news_for_the_model(mem: Harness) -> None:
    module = mem.tool_module(TOOLS + '\n\ndef broken(n: int) -> str:\n    """Fails."""\n    raise ValueError("no")\n')
    mem.write(f"""\
        version: 1
        name: offered
        tools:
          - {{name: lookup, type: python, callable: "{module}:lookup"}}
          - {{name: shout, type: python, callable: "{module}:shout"}}
          - {{name: broken, type: python, callable: "{module}:broken"}}
        agents:
          - name: support
            role: react
            model: fake/support
            prompt: Help.
            tools: [shout, broken]
        """)
    client = ScriptedClient([tool_call("broken", {"n": 1}), tool_call("shout", {"text": "hi"}), "ok"])

    outcome = mem.start(client, RunParams(input="x"))

    assert outcome.status == "completed", outcome.error
    offered = client.requests[0].tools
    assert [t.name for t in offered] == ["shout", "broken"]
    assert offered[0].parameters["required"] == ["text"]
    assert offered[0].description == "Upper-case a text."
    assert client.requests[1].messages[-1].content == "error: ValueError: no"
    assert client.requests[2].messages[-1].content == "HI"
    assert [e.preview for e in mem.of(StepFinished)] == ["ok"]


def test_the_react_loop_stops_at_max_iterations(mem: Harness) -> None:
    setup(mem)
    mem.write((mem.root / "workflow.yaml").read_text() + "    react_config:\n      max_iterations: 2\n")
    client = ScriptedClient([tool_call("lookup", {"order_id": 1}), tool_call("lookup", {"order_id": 2})])

    outcome = mem.start(client, RunParams(input="loop"))

    assert outcome.status == "failed"
    assert outcome.error is not None and "2 turns" in outcome.error.message
    assert len(client.requests) == 2
    assert f"aixgo resume {outcome.run_id}" in hint_of(outcome.error)


@pytest.mark.parametrize("cut", ["provider-error", "interrupt"])
def test_a_retried_unit_counts_each_call_once(engine: Harness, cut: str) -> None:
    """The unit's usage is what its calls spent: replayed calls are not counted again on the unit row."""
    setup(engine)
    error: BaseException = (
        ProviderError("HTTP 500", kind="server", retryable=True, model="fake/support")
        if cut == "provider-error"
        else KeyboardInterrupt()
    )
    first = engine.start(ScriptedClient([tool_call("lookup", {"order_id": 7}), error]), RunParams(input="7?"))
    assert first.status in ("failed", "interrupted")

    second = engine.resume(first.run_id, ScriptedClient(["shipped"]))

    assert second.status == "completed", second.error
    [unit] = engine.units(first.run_id).values()
    calls = engine.calls(first.run_id, "llm")
    assert unit.attempt == 2
    assert (unit.tokens_in, unit.tokens_out) == (sum(c.tokens_in for c in calls), sum(c.tokens_out for c in calls))
    run = engine.journal.get_run(first.run_id)
    assert run is not None and (run.tokens_in, run.tokens_out) == (unit.tokens_in, unit.tokens_out)


def test_the_workflow_directory_is_on_the_import_path_during_the_run_only(mem: Harness) -> None:
    # The tool imports a sibling module when called, so the directory must stay on the path during the
    # run; after it, one process hosting many runs must not keep every workflow's directory.
    sibling = mem.tool_module('def answer() -> str:\n    return "from the sibling"\n')
    module = mem.tool_module(
        f'def ask(question: str) -> str:\n    """Ask the sibling."""\n    import {sibling}\n'
        f"    return {sibling}.answer()\n"
    )
    mem.write(f"""\
        version: 1
        name: siblings
        tools:
          - {{name: ask, type: python, callable: "{module}:ask"}}
        agents:
          - name: answer
            role: react
            model: openai/gpt-4o-mini
            tools: [ask]
        """)
    base = str(mem.root)
    assert base not in sys.path
    client = ScriptedClient([tool_call("ask", {"question": "?"}), "done"])

    outcome = mem.start(client, RunParams(input="hi"))

    assert outcome.status == "completed", outcome.error
    assert client.requests[1].messages[-1].content == "from the sibling"
    assert base not in sys.path


SLOW_TOOLS = '''\
import time
from pathlib import Path

HERE = Path(__file__).parent


def lookup(order_id: int) -> str:
    """Look up an order by its number (slowly while a `slow` file exists)."""
    with (HERE / "calls.log").open("a", encoding="utf-8") as log:
        log.write(f"{order_id}\\n")
    if (HERE / "slow").exists():
        time.sleep(30)
    return f"order {order_id}: shipped"
'''


def test_a_tool_call_cannot_carry_the_run_past_its_time_limit(engine: Harness) -> None:
    """The tool's own timeout is longer than the run's: the run pauses at its limit (exit 4) with the
    call cut off (intent, no result), and resumes like any interrupted call."""
    module = engine.tool_module(SLOW_TOOLS)
    engine.write(WORKFLOW.format(module=module, extra="    idempotent: true\n    timeout: 60s\n"))
    (engine.root / "slow").touch()
    started = time.monotonic()
    first = engine.start(ScriptedClient([tool_call("lookup", {"order_id": 7})]), RunParams(input="7?", timeout_s=1.0))
    waited = time.monotonic() - started

    assert first.status == "paused", first.error
    assert isinstance(first.error, RunPaused) and "time limit (1 s)" in first.error.message
    assert waited < 10  # not the tool's 30 s
    [call] = engine.calls(first.run_id, "tool")
    assert call.status == "intent" and call.response_json is None

    (engine.root / "slow").unlink()
    outcome = engine.resume(first.run_id, ScriptedClient(["Order 7 has shipped."]), interrupted=False, timeout_s=600.0)
    assert outcome.status == "completed", outcome.error
    assert tool_log(engine) == ["7", "7"]  # idempotent: run again


def test_run_within_the_time_limit() -> None:
    """Without a limit the call runs in the caller's thread; with one, on a thread of its own whose value,
    or exception, comes back, unless the limit passes first."""
    caller = threading.current_thread()
    assert run_within("t", threading.current_thread, None) is caller
    limit = Deadline(time.monotonic() + 5, lambda: RunPaused("time limit reached"))
    assert run_within("t", threading.current_thread, limit) is not caller

    def fails() -> None:
        raise KeyError("missing")

    with pytest.raises(KeyError):
        run_within("t", fails, limit)
    soon = Deadline(time.monotonic() + 0.2, lambda: RunPaused("time limit reached"))
    started = time.monotonic()
    with pytest.raises(RunPaused, match="time limit"):
        run_within("t", lambda: time.sleep(5), soon)
    assert time.monotonic() - started < 3
    with pytest.raises(RunPaused):  # already past: not even started
        run_within("t", lambda: pytest.fail("ran"), Deadline(time.monotonic() - 1, lambda: RunPaused("late")))
