"""OpenTelemetry: spans for run, step, model call reach a real OTLP receiver; nothing is sent by default."""

from __future__ import annotations

import socket

import pytest
from tests.commands.otlp_receiver import OtlpReceiver, attributes
from tests.support.e2e import Cli, stub_service

from aixgo_cli.testing.stub_model_server import StubModelServer

pytestmark = pytest.mark.slow

WORKFLOW = """\
version: 1
name: traced
{service}
agents:
  - name: first
    role: react
    model: stub
    prompt: "Say: {{{{ input }}}}"
    outputs: [second]
  - name: second
    role: react
    model: stub
"""


def clean(cli: Cli) -> Cli:
    for name in list(cli.env):
        if name.startswith("OTEL_"):
            del cli.env[name]
    return cli


def test_spans_follow_the_genai_conventions(cli: Cli, stub: StubModelServer) -> None:
    clean(cli).write("wf.yaml", WORKFLOW.format(service=stub_service(stub)))
    with OtlpReceiver() as receiver:
        # --otel with the standard traces-endpoint variable (OTEL_EXPORTER_OTLP_ENDPOINT alone also turns it on)
        env = {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": receiver.endpoint + "/v1/traces"}
        done = cli.run("run", "wf.yaml", "--input", "hi", "--otel", env=env)
        assert done.returncode == 0, done.stderr
        spans = receiver.spans()
        assert receiver.paths() and all(p == "/v1/traces" for p in receiver.paths())
    by_name = {s.name: s for s in spans}
    run = by_name["invoke_workflow traced"]
    first, second = by_name["invoke_agent first"], by_name["invoke_agent second"]
    chats = [s for s in spans if s.name == "chat stub"]
    assert len(chats) == 2
    assert first.parent_span_id == run.span_id and second.parent_span_id == run.span_id
    assert {c.parent_span_id for c in chats} == {first.span_id, second.span_id}
    assert len({s.trace_id for s in spans}) == 1
    chat = attributes(chats[0])
    assert chat["gen_ai.operation.name"] == "chat"
    assert chat["gen_ai.request.model"] == "stub"
    assert chat["gen_ai.usage.input_tokens"] > 0 and chat["gen_ai.usage.output_tokens"] > 0
    assert chat["gen_ai.response.finish_reasons"] == ["stop"]
    assert "aixgo.cost_usd" in chat
    assert attributes(first)["gen_ai.agent.name"] == "first"
    assert attributes(run)["aixgo.status"] == "completed"
    assert all(s.end_time_unix_nano >= s.start_time_unix_nano > 0 for s in spans)
    # No prompt or output text in any span.
    assert not any("Say: hi" in str(attributes(s)) for s in spans)


def test_nothing_is_sent_without_the_setting(cli: Cli, stub: StubModelServer) -> None:
    clean(cli).write("wf.yaml", WORKFLOW.format(service=stub_service(stub)))
    with socket.socket() as listener:
        try:
            listener.bind(("127.0.0.1", 4318))  # the OTLP/HTTP default port: an exporter would call it
        except OSError:
            pytest.skip("port 4318 is in use on this machine")
        listener.listen(4)
        done = cli.run("run", "wf.yaml", "--input", "hi")
        assert done.returncode == 0, done.stderr
        listener.setblocking(False)
        with pytest.raises(BlockingIOError):
            listener.accept()
