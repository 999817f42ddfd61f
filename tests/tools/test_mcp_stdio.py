"""MCP over stdio from YAML alone: the real `mcp-server-time` server, started by aixgo as a child process,
called by a react agent whose model is the stub server (real LiteLLM over real HTTP)."""

from __future__ import annotations

import json
import os
import selectors
import signal
import sys

import pytest
from tests.support.e2e import Cli, stub_service
from tests.tools.conftest import SERVER as MCP_SERVER
from tests.tools.conftest import alive, descendants

from aixgo_cli.testing.stub_model_server import StubModelServer

pytestmark = pytest.mark.slow

WORKFLOW = """\
version: 1
name: mcp-time
{service}
mcp_servers:
  - name: time
    transport: stdio
    command: python
    args: ["-m", "mcp_server_time", "--local-timezone", "UTC"]
    timeout: 20s
    idempotent_tools: [convert_time]
agents:
  - name: clock
    role: react
    model: stub
    prompt: "Answer: {{{{ input }}}}"
    mcp_servers: [time]
    {tools}
"""


def write(cli: Cli, stub: StubModelServer, tools: str = "") -> str:
    cli.write("wf.yaml", WORKFLOW.format(service=stub_service(stub), tools=tools))
    return "wf.yaml"


CONVERT = {"source_timezone": "Europe/Berlin", "time": "09:30", "target_timezone": "Asia/Tokyo"}


def test_a_react_agent_calls_a_real_mcp_server_over_stdio(cli: Cli, stub: StubModelServer) -> None:
    stub.script([{"tool_calls": [{"name": "time__convert_time", "arguments": CONVERT}]}])
    done = cli.run("run", write(cli, stub), "--input", "9:30 Berlin in Tokyo?", "--json")
    assert done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout)
    # The stub echoes the last tool result: the server's real answer reached the model.
    assert outcome["result"].startswith("stub: ")
    answer = json.loads(outcome["result"].removeprefix("stub: "))
    assert answer["source"]["timezone"] == "Europe/Berlin"
    assert answer["target"]["timezone"] == "Asia/Tokyo"
    assert answer["target"]["datetime"].endswith(":30:00+09:00")  # 16:30 or 17:30, by daylight saving


HANGING = """\
version: 1
name: mcp-hang
{service}
mcp_servers:
  - name: t
    transport: stdio
    command: {python}
    args: ["{server}", "stdio"]
    env: {{MCP_TEST_CALLS: "{fifo}"}}
    timeout: 120s
agents:
  - name: helper
    role: react
    model: stub
    prompt: "Help: {{{{ input }}}}"
    mcp_servers: [t]
"""


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_no_mcp_server_outlives_an_interrupted_run(cli: Cli, stub: StubModelServer, signum: int) -> None:
    fifo = cli.workdir / "calls.fifo"
    os.mkfifo(fifo)
    cli.write(
        "wf.yaml",
        HANGING.format(service=stub_service(stub), python=sys.executable, server=MCP_SERVER, fifo=fifo),
    )
    stub.script([{"tool_calls": [{"name": "t__hang", "arguments": {}}]}])
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    process = cli.popen("run", "wf.yaml", "--input", "go")
    try:
        with selectors.DefaultSelector() as selector:  # the server tells us when the call has reached it
            selector.register(reader, selectors.EVENT_READ)
            assert selector.select(timeout=90), "the hanging tool was never called"
        assert os.read(reader, 100).startswith(b"hang")
        servers = descendants(process.pid)
        assert servers, "the MCP server should be a child of aixgo"
        process.send_signal(signum)
        _, stderr = process.communicate(timeout=90)
    finally:
        os.close(reader)
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr
    assert not [pid for pid in servers if alive(pid)]
