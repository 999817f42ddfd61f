"""Run history keeps what a run's totals cannot say: a cost that was unknown is `unknown` (not `$0.0000`),
and token counts the server did not report are marked as estimates, in `runs list` and `runs show`, as
text and JSON."""

from __future__ import annotations

import json

import pytest
from tests.support.e2e import Cli, stub_service

from aixgo_cli.testing.stub_model_server import StubModelServer

pytestmark = pytest.mark.slow

WORKFLOW = """\
version: 1
name: history
{service}
agents:
  - name: answer
    role: react
    model: stub
    prompt: "Answer: {{{{ input }}}}"
"""


def test_unknown_cost_and_estimated_tokens_stay_visible_in_history(cli: Cli, stub: StubModelServer) -> None:
    # The stub's model is served at a custom api_base: its price is unknown. It sends no token counts.
    cli.write("wf.yaml", WORKFLOW.format(service=stub_service(stub)))
    stub.script([{"content": "streamed answer", "no_usage": True}])

    done = cli.run("run", "wf.yaml", "--input", "q", "--stream", "--json")

    assert done.returncode == 0, done.stderr
    usage = json.loads(done.stdout)["usage"]
    assert usage["cost_unknown_models"] == ["stub"] and usage["tokens_estimated_models"] == ["stub"]
    [row] = cli.runs()
    assert row["cost_known"] is False and row["tokens_estimated"] is True
    table = cli.run("runs", "list").stdout
    line = next(text for text in table.splitlines() if text.startswith(row["run_id"]))
    assert line.split()[-1] == "unknown" and line.split()[-2].startswith("~")
    assert "$0.0000" not in line
    shown = cli.run("runs", "show", row["run_id"]).stdout
    assert "tokens (estimated), unknown" in shown
    step = next(text for text in shown.splitlines() if text.startswith("main/answer"))
    assert step.split()[-1] == "unknown" and step.split()[-2].startswith("~")
    shown_json = json.loads(cli.run("runs", "show", row["run_id"], "--json").stdout)
    assert shown_json["cost_known"] is False and shown_json["tokens_estimated"] is True
