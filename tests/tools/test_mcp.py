"""MCP tools in the engine, against real servers: the test server over stdio and over streamable HTTP
(tests/support/mcp_server.py). The model is a scripted fake client; the MCP side is real end to end."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from tests.engine.engine_helpers import Harness, tool_call
from tests.support.hints import hint_of
from tests.tools.conftest import SERVER, HttpMcp, command_line, descendants

from aixgo_cli.config.model import load_workflow
from aixgo_cli.engine.runner import RunOutcome, RunParams
from aixgo_cli.engine.units import definition_with_tools
from aixgo_cli.errors import resume_step
from aixgo_cli.events import InjectionDetected
from aixgo_cli.testing.fake_client import ScriptedClient
from aixgo_cli.tools.base import Tool
from aixgo_cli.wiring import RunServices

pytestmark = pytest.mark.slow

STDIO = f"""\
  - name: t
    transport: stdio
    command: {sys.executable}
    args: ["{SERVER}", "stdio"]
    env: {{MCP_TEST_CALLS: "@ROOT@/calls.log"}}
    timeout: {{timeout}}
"""


def workflow(server: str, *, agent_extra: str = "", timeout: str = "20s") -> str:
    return f"""\
version: 1
name: mcp-test
mcp_servers:
{server.replace("{timeout}", timeout)}
agents:
  - name: helper
    role: react
    model: fake/helper
    prompt: "Help: {{{{ input }}}}"
    mcp_servers: [t]
{agent_extra}"""


def http_server(mcp: HttpMcp, token_secret: str = "MCP_TOKEN") -> str:
    return f"""\
  - name: t
    transport: streamable_http
    url: {mcp.url}
    auth: {{type: bearer, token_secret: {token_secret}}}
    headers: {{X-Client: aixgo-tests}}
    timeout: {{timeout}}
"""


def run(h: Harness, text: str, client: ScriptedClient) -> RunOutcome:
    h.write(text)
    services = RunServices(h.load())
    return h.runner(client, tool_sources=services.tool_sources, audit=services.audit_for).start(
        h.load(), RunParams(input="go")
    )


def tool_messages(client: ScriptedClient) -> list[str]:
    return [m.content or "" for m in client.requests[-1].messages if m.role == "tool"]


def calls_log(h: Harness) -> list[str]:
    path = h.root / "calls.log"
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def test_a_react_agent_calls_an_mcp_tool_over_stdio(mem: Harness) -> None:
    client = ScriptedClient([tool_call("t__echo", {"text": "hello"}), "done"])
    outcome = run(mem, workflow(STDIO), client)

    assert outcome.status == "completed", outcome.error
    offered = {spec.name for spec in client.requests[0].tools}
    assert {"t__echo", "t__add", "t__crash", "t__hang"} <= offered  # the whole server
    assert tool_messages(client) == ["hello"]
    assert calls_log(mem) == ["echo hello"]
    [call] = mem.calls(outcome.run_id, "tool")
    assert json.loads(call.request_json)["tool"] == "t:echo"  # journaled under its canonical name


def test_a_react_agent_calls_an_mcp_tool_over_streamable_http_with_a_bearer_token(
    mem: Harness, http_mcp: HttpMcp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MCP_TOKEN", http_mcp.token)
    client = ScriptedClient([tool_call("t__add", {"a": 2, "b": 40}), "done"])
    outcome = run(mem, workflow(http_server(http_mcp)), client)

    assert outcome.status == "completed", outcome.error
    [result] = tool_messages(client)
    assert json.loads(result) == {"sum": 42}


def test_a_wrong_token_is_a_clear_start_failure(
    mem: Harness, http_mcp: HttpMcp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MCP_TOKEN", "wrong-token-value")
    outcome = run(mem, workflow(http_server(http_mcp)), ScriptedClient(["unused"]))

    assert outcome.status == "failed"
    assert outcome.error is not None and outcome.error.exit_code == 1
    assert "MCP server 't' could not start" in outcome.error.message
    assert "wrong-token-value" not in outcome.error.message
    assert outcome.error.next_step == resume_step(outcome.run_id)  # data, which the CLI renders
    assert hint_of(outcome.error).endswith(f"; then: aixgo resume {outcome.run_id}")


def test_arguments_are_validated_before_the_call_and_errors_reach_the_model(mem: Harness) -> None:
    client = ScriptedClient(
        [
            tool_call("t__add", {"a": "two", "b": 1}, "c1"),
            tool_call("t__refuse", {"reason": "no stock"}, "c2"),
            "done",
        ]
    )
    outcome = run(mem, workflow(STDIO), client)

    assert outcome.status == "completed", outcome.error
    bad_args, refused = tool_messages(client)
    assert bad_args.startswith("error: the arguments do not match the tool's schema")
    assert refused.startswith("error: ") and "refuse" in refused  # the server's error result, as an error
    assert calls_log(mem) == []  # neither reached the server's code: one invalid, one raising at once


def test_an_agent_that_names_some_tools_sees_only_those_and_others_are_refused(mem: Harness) -> None:
    client = ScriptedClient([tool_call("t__add", {"a": 1, "b": 2}), "done"])
    outcome = run(mem, workflow(STDIO, agent_extra="    tools: [t:echo]\n"), client)

    assert outcome.status == "completed", outcome.error
    assert [spec.name for spec in client.requests[0].tools] == ["t__echo"]
    [refusal] = tool_messages(client)
    assert refusal.startswith("error: there is no tool named 't:add'")
    assert calls_log(mem) == []


def test_a_server_that_cannot_start_fails_the_run_clearly(mem: Harness) -> None:
    broken = f"""\
  - name: t
    transport: stdio
    command: {sys.executable}
    args: ["-c", "import sys; sys.stderr.write('boom: missing config\\\\n'); sys.exit(2)"]
"""
    outcome = run(mem, workflow(broken), ScriptedClient(["unused"]))

    assert outcome.status == "failed"
    assert outcome.error is not None and outcome.error.exit_code == 1
    assert "MCP server 't' could not start" in outcome.error.message
    assert "boom: missing config" in outcome.error.message  # the server's own words


def test_a_server_that_crashes_mid_run_fails_the_run_and_the_run_can_resume(mem: Harness) -> None:
    outcome = run(mem, workflow(STDIO), ScriptedClient([tool_call("t__crash", {}), "done"]))

    assert outcome.status == "failed"
    assert outcome.error is not None and outcome.error.exit_code == 1
    assert "MCP server 't'" in outcome.error.message and "crash" in outcome.error.message
    assert outcome.error.next_step == resume_step(outcome.run_id)
    assert "RUN_ID" not in (outcome.error.hint or "") and "aixgo resume" not in (outcome.error.hint or "")
    assert hint_of(outcome.error) == f"fix the server, then: aixgo resume {outcome.run_id}"


def test_a_server_that_hangs_is_cut_off_by_its_timeout(mem: Harness) -> None:
    outcome = run(mem, workflow(STDIO, timeout="1s"), ScriptedClient([tool_call("t__hang", {}), "done"]))

    assert outcome.status == "failed"
    assert outcome.error is not None and outcome.error.exit_code == 1
    assert "did not answer a call to hang within 1s" in outcome.error.message


def test_a_description_that_reads_as_an_injection_is_flagged_or_hidden(mem: Harness) -> None:
    flagged = ScriptedClient(["done"])
    assert run(mem, workflow(STDIO), flagged).status == "completed"
    assert "t__sneaky" in {spec.name for spec in flagged.requests[0].tools}
    [event] = [e for e in mem.of(InjectionDetected) if e.source.startswith("tool_description")]
    assert (event.source, event.action) == ("tool_description:t:sneaky", "flagged")

    blocked = ScriptedClient(["done"])
    assert run(mem, workflow(STDIO, agent_extra="    prompt_injection: {action: block}\n"), blocked).status == (
        "completed"
    )
    assert "t__sneaky" not in {spec.name for spec in blocked.requests[0].tools}


def test_an_mcp_tools_server_and_schema_are_part_of_the_definition_hash(tmp_path: Path) -> None:
    path = tmp_path / "wf.yaml"
    path.write_text(workflow(STDIO).replace("@ROOT@", str(tmp_path)), encoding="utf-8")
    spec = load_workflow(path).agents["helper"]

    def tool(schema: dict[str, Any]) -> Tool:
        identity = {"server": "t", "tool": "echo", "input_schema": schema}
        return Tool("t:echo", "", schema, False, lambda a, k: "", kind="mcp", identity=identity)

    one = definition_with_tools(spec, {"t:echo": tool({"type": "object"})})
    same = definition_with_tools(spec, {"t:echo": tool({"type": "object"})})
    changed = definition_with_tools(spec, {"t:echo": tool({"type": "object", "required": ["text"]})})
    assert one == same != changed
    assert one != spec.definition_hash
    assert definition_with_tools(spec, {}) == spec.definition_hash  # agents without MCP tools keep their keys


def test_a_server_that_never_answers_at_start_is_stopped_and_reported(mem: Harness) -> None:
    marker = "aixgo-mute-server-marker"
    mute = f"""\
  - name: t
    transport: stdio
    command: {sys.executable}
    args: ["-c", "import sys; sys.stdin.read()", "{marker}"]
    start_timeout: 1s
"""
    outcome = run(mem, workflow(mute), ScriptedClient(["unused"]))

    assert outcome.status == "failed"
    assert outcome.error is not None and "did not finish starting within 1s" in outcome.error.message
    assert not [pid for pid in descendants(os.getpid()) if marker in command_line(pid)]


def test_a_resumed_run_replays_a_finished_mcp_call_instead_of_calling_the_server_again(mem: Harness) -> None:
    mem.write(workflow(STDIO))
    services = RunServices(mem.load())
    options = {"tool_sources": services.tool_sources, "audit": services.audit_for}
    first = mem.runner(ScriptedClient([tool_call("t__echo", {"text": "once"}), KeyboardInterrupt()]), **options).start(
        mem.load(), RunParams(input="go")
    )
    assert first.status == "interrupted"
    assert calls_log(mem) == ["echo once"]

    client = ScriptedClient(["done"])
    second = mem.resume(first.run_id, client, interrupted=False, runner_options=options)
    assert second.status == "completed", second.error
    assert calls_log(mem) == ["echo once"]  # the server was started again, but not called again
    assert [m.content for m in client.requests[0].messages if m.role == "tool"] == ["once"]


def test_a_stdio_server_gets_its_declared_env_but_not_aixgos_keys(
    mem: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-must-not-reach-the-server")
    client = ScriptedClient([tool_call("t__environment", {}), "done"])
    outcome = run(mem, workflow(STDIO), client)

    assert outcome.status == "completed", outcome.error
    [names] = tool_messages(client)
    assert "MCP_TEST_CALLS" in names and "PATH" in names
    assert "OPENAI_API_KEY" not in names


def test_a_tool_name_the_server_does_not_offer_is_reported_at_start(mem: Harness) -> None:
    typo = STDIO + "    idempotent_tools: [ecko]\n"
    outcome = run(mem, workflow(typo), ScriptedClient(["unused"]))

    assert outcome.status == "failed"
    assert outcome.error is not None and outcome.error.exit_code == 2
    assert "MCP server 't' does not offer ecko (named in its idempotent_tools)" in outcome.error.message
    assert "echo" in outcome.error.message
