"""LiteLLM (~2-3 s to import) is imported while the run is being wired, before the run's clock starts, and
only when the run will call a model: the time limit and the first call's and step's durations must not
include the import."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from tests.support.e2e import STUB_KEY, Cli, stub_service

from aixgo_cli.testing.stub_model_server import StubModelServer

pytestmark = pytest.mark.slow

PROBE = textwrap.dedent(
    """\
    import sys
    from pathlib import Path
    from aixgo_cli.config.model import load_workflow
    from aixgo_cli.wiring import build_model_client
    build_model_client(load_workflow(Path(sys.argv[1])), replay=None, record=None)
    print("litellm" in sys.modules)
    """
)


def loads_litellm(cli: Cli, workflow: Path) -> bool:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(workflow)],
        cwd=cli.workdir,
        env=cli.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip() == "True"


def test_wiring_imports_litellm_only_for_a_run_that_calls_a_model(cli: Cli, stub: StubModelServer) -> None:
    calls = cli.write(
        "calls.yaml",
        f"""\
        version: 1
        name: calls
        {stub_service(stub).replace(chr(10), chr(10) + "        ")}
        agents:
          - name: answer
            role: react
            model: stub
            prompt: "Answer: {{{{ input }}}}"
        """,
    )
    no_model = cli.write(
        "plain.yaml",
        """\
        version: 1
        name: plain
        agents:
          - name: items
            role: producer
            producer_config: {source: items, items: [a, b]}
          - name: out
            role: logger
            inputs: [items]
            logger_config: {sink: stdout}
        """,
    )
    assert loads_litellm(cli, calls)
    assert not loads_litellm(cli, no_model)


def test_the_first_call_of_a_run_is_timed_without_the_import(cli: Cli, stub: StubModelServer) -> None:
    """Before the fix the first call's duration held the whole import (seconds); now it is a call's."""
    cli.write(
        "wf.yaml",
        "version: 1\nname: timed\n"
        + stub_service(stub)
        + 'agents:\n  - name: answer\n    role: react\n    model: stub\n    prompt: "A: {{ input }}"\n',
    )
    events = cli.workdir / "events.jsonl"
    done = cli.run("run", "wf.yaml", "--input", "q", "--events", str(events), env={"STUB_API_KEY": STUB_KEY})
    assert done.returncode == 0, done.stderr
    called = [json.loads(line) for line in events.read_text().splitlines() if '"llm_called"' in line]
    assert len(called) == 1 and called[0]["cached"] is False
    # The figure is printed, not asserted against a wall-clock budget (see benchmarks/).
    print(f"first model call: {called[0]['duration_ms']:.1f} ms")
