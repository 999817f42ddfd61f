"""Tool limits in a react run: per-tool timeout and rate limit, bounds on calls per turn and per step,
the cap on a result's size (before the model and the journal see it), and unlisted tools refused and
audited."""

from __future__ import annotations

import json
import threading

from tests.engine.engine_helpers import Harness, tool_call

from aixgo_cli.engine.runner import RunOutcome, RunParams
from aixgo_cli.events import ToolCalled
from aixgo_cli.providers.types import ChatResponse, ToolCall, Usage
from aixgo_cli.testing.fake_client import ScriptedClient
from aixgo_cli.tools.limits import RateLimiter
from aixgo_cli.wiring import RunServices

TOOLS = '''\
import threading

RELEASE = threading.Event()


def ping(n: int) -> str:
    """Answer pong."""
    return f"pong {n}"


def huge() -> str:
    """A 20 MB result."""
    return "x" * (20 * 1024 * 1024)


def stuck() -> str:
    """Never finishes on its own."""
    RELEASE.wait(30)
    return "late"
'''

WORKFLOW = """\
version: 1
name: limits
audit: {{path: audit.jsonl}}
tools:
  - {{name: ping, type: python, callable: {module}:ping}}
  - {{name: huge, type: python, callable: {module}:huge}}
  - {{name: stuck, type: python, callable: {module}:stuck, timeout: 200ms}}
agents:
  - name: helper
    role: react
    model: fake/helper
    tools: [ping, huge, stuck]
    react_config: {{max_iterations: 8}}
{limits}"""


def many_calls(count: int) -> ChatResponse:
    calls = tuple(ToolCall(f"c{i}", "ping", json.dumps({"n": i})) for i in range(count))
    return ChatResponse(content=None, tool_calls=calls, finish_reason="tool_calls", usage=Usage(10, 5, 0.0, True))


def run(h: Harness, client: ScriptedClient, limits: str = "") -> RunOutcome:
    module = h.tool_module(TOOLS)
    h.write(WORKFLOW.format(module=module, limits=limits))
    services = RunServices(h.load())
    return h.runner(client, tool_sources=services.tool_sources, audit=services.audit_for).start(
        h.load(), RunParams(input="go")
    )


def tool_results(client: ScriptedClient) -> list[str]:
    return [m.content or "" for m in client.requests[-1].messages if m.role == "tool"]


def audit_kinds(h: Harness) -> list[str]:
    return [json.loads(line)["kind"] for line in (h.root / "audit.jsonl").read_text().splitlines()]


def test_calls_beyond_the_bound_of_one_turn_are_answered_but_not_run(mem: Harness) -> None:
    client = ScriptedClient([many_calls(5), "done"])
    outcome = run(mem, client, "limits: {max_tool_calls_per_turn: 3}\n")

    assert outcome.status == "completed", outcome.error
    results = tool_results(client)
    assert results[:3] == ["pong 0", "pong 1", "pong 2"]
    assert all(r.startswith("error: not run: at most 3 tool calls") for r in results[3:]) and len(results) == 5
    assert len(mem.calls(outcome.run_id, "tool")) == 3


def test_calls_beyond_the_bound_of_one_step_are_refused_and_audited(mem: Harness) -> None:
    client = ScriptedClient([many_calls(2), many_calls(2), "done"])
    outcome = run(mem, client, "limits: {max_tool_calls_per_step: 3}\n")

    assert outcome.status == "completed", outcome.error
    assert tool_results(client)[-1].startswith("error: this step has already made 3 tool calls")
    assert len(mem.calls(outcome.run_id, "tool")) == 3
    assert audit_kinds(mem).count("tool_denied") == 1


def test_a_20_mb_result_is_cut_before_the_model_and_the_journal_see_it(mem: Harness) -> None:
    client = ScriptedClient([tool_call("huge", {}), "done"])
    outcome = run(mem, client, "limits: {max_tool_result_bytes: 4096}\n")

    assert outcome.status == "completed", outcome.error
    [result] = tool_results(client)
    assert result.startswith("x" * 4096) and "[truncated: 20971520 bytes, the first 4096 shown" in result
    [call] = mem.calls(outcome.run_id, "tool")
    assert call.response_json is not None and len(call.response_json) < 5000


def test_a_tool_over_its_timeout_is_reported_to_the_model(mem: Harness) -> None:
    client = ScriptedClient([tool_call("stuck", {}), "done"])
    outcome = run(mem, client)

    assert outcome.status == "completed", outcome.error
    assert tool_results(client) == ["error: tool 'stuck' did not finish within 0.2s (its timeout)"]
    assert [e.ok for e in mem.of(ToolCalled)] == [False]


def test_an_unlisted_tool_is_refused_told_and_audited(mem: Harness) -> None:
    client = ScriptedClient([tool_call("shell", {"cmd": "rm -rf /"}), "done"])
    outcome = run(mem, client)

    assert outcome.status == "completed", outcome.error
    assert tool_results(client)[0].startswith("error: there is no tool named 'shell'; available: ping, huge, stuck")
    assert "tool_denied" in audit_kinds(mem)


def test_the_rate_limiter_holds_calls_over_the_limit_until_the_window_moves() -> None:
    now = [0.0]
    limiter = RateLimiter(2, clock=lambda: now[0])
    limiter.acquire()
    limiter.acquire()
    third_started = threading.Event()
    third_done = threading.Event()

    def third() -> None:
        third_started.set()
        limiter.acquire()
        third_done.set()

    worker = threading.Thread(target=third, daemon=True)
    worker.start()
    assert third_started.wait(5)
    assert not third_done.wait(0.2)  # held: two calls already started in this minute
    now[0] = 60.0
    with limiter._lock:
        limiter._lock.notify_all()
    assert third_done.wait(5)


def test_yaml_timeout_and_rate_limit_reach_the_tool(mem: Harness) -> None:
    module = mem.tool_module(TOOLS)
    mem.write(
        WORKFLOW.format(module=module, limits="").replace(
            "timeout: 200ms", "timeout: 2s, rate_limit: {requests_per_minute: 7}"
        )
    )
    workflow = mem.load()
    tools = RunServices(workflow).tool_sources(workflow).tools_for(workflow.agents["helper"])
    assert tools["stuck"].timeout_s == 2.0
    assert tools["stuck"].rate_limit is not None and tools["stuck"].rate_limit.requests_per_minute == 7
