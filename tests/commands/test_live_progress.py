"""Live progress: the status area in a real terminal (tmux), and its model and cached-step summary as text."""

from __future__ import annotations

import io
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from tests.support.e2e import REPO, STUB_KEY, stub_service

from aixgo_cli.events import ModelRetry, RunFinished, RunStarted, StepFinished, StepStarted
from aixgo_cli.render.live_status import RunEvents, StatusModel
from aixgo_cli.testing.stub_model_server import StubModelServer

WORKFLOW = """\
version: 1
name: live
{service}
agents:
  - name: items
    role: producer
    producer_config: {{source: input, format: lines}}
  - name: answer
    role: react
    model: stub
    concurrency: 1
    prompt: "Answer: {{{{ input }}}}"
    inputs: [items]
"""


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def step(kind: type, place: str, **extra: object) -> object:
    common = {"run_id": "r1", "at": 0.0, "unit_key": place + "#k", "place": place, "agent": place.rsplit("/", 1)[-1]}
    if kind is StepStarted:
        return StepStarted(**common, role="react")  # type: ignore[arg-type]
    fields = {"cached": False, "duration_ms": 5.0, "tokens": 10, "cost_usd": 0.001, "preview": ""}
    fields.update(extra)
    return StepFinished(**common, **fields)  # type: ignore[arg-type]


def test_status_model_counts_items_running_steps_retries_tokens_and_cost() -> None:
    clock = Clock()
    model = StatusModel(clock)
    model.update(step(StepStarted, "items[0]/answer"))  # type: ignore[arg-type]
    model.update(step(StepStarted, "items[1]/answer"))  # type: ignore[arg-type]
    model.update(step(StepFinished, "items[0]/answer"))  # type: ignore[arg-type]
    model.update(ModelRetry(run_id="r1", at=0.0, model="openai/gpt-4o-mini", attempt=1, delay_s=2.0, reason="429"))
    clock.now += 3.5
    lines = model.lines()
    assert lines[0] == "  3.5s  items 1/2  steps 1  running: items[1]/answer"
    assert lines[1] == "  openai/gpt-4o-mini: 429, retrying in 0 s"
    assert lines[-1] == "  10 tokens  $0.0010"


def test_cached_steps_on_resume_are_one_line() -> None:
    from rich.console import Console

    out = io.StringIO()
    console = Console(file=out, force_terminal=True, no_color=True, width=100)
    printed: list[object] = []
    events = RunEvents(printed.append, console=console)
    events(RunStarted(run_id="r1", at=0.0, workflow="w", resumed=True))
    for i in range(40):
        events(step(StepFinished, f"items[{i}]/answer", cached=True))  # type: ignore[arg-type]
    events(step(StepStarted, "items[40]/answer"))  # type: ignore[arg-type]
    events(RunFinished(run_id="r1", at=1.0, status="completed", tokens=0, cost_usd=0.0, steps=41, cached_steps=40))
    assert "↺ 40 steps from the journal" in out.getvalue()
    assert not any(isinstance(e, StepFinished) for e in printed)  # not one line each
    assert isinstance(printed[-1], RunFinished)


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=True, timeout=30).stdout


def wait_for_screen(session: str, *texts: str, timeout: float = 120) -> str:
    """Poll the pane until every one of `texts` shows at once (the condition, not a sleep, is what the test
    waits on; a frame caught half drawn is simply polled again)."""
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = tmux("capture-pane", "-p", "-e", "-t", session)
        if all(text in screen for text in texts):
            return screen
        if "EXIT=" in screen:
            break  # the run is over: the text will not come
        time.sleep(0.1)
    raise AssertionError(f"{texts!r} never appeared together; last screen:\n{screen}")


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (.ci/run installs it)")
def test_status_area_in_a_real_terminal(tmp_path: Path, stub: StubModelServer) -> None:
    # The default retry policy honours Retry-After, so the two 429s below keep the notice up for ~6 s.
    service = "\n".join(line for line in stub_service(stub).splitlines() if "retry:" not in line)
    (tmp_path / "wf.yaml").write_text(WORKFLOW.format(service=service))
    stub.set_latency(0.5)
    stub.script([{"status": 429, "retry_after": 3}, {"status": 429, "retry_after": 3}])  # ~6 s of notice
    env = {
        "AIXGO_HOME": str(tmp_path / "home"),
        "STUB_API_KEY": STUB_KEY,
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        "PYTHONPATH": str(REPO),
        "NO_COLOR": "1",
        "TERM": "xterm-256color",
    }
    exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    aixgo = f"env {exports} {shlex.quote(sys.executable)} -m aixgo_cli"
    command = f"cd {shlex.quote(str(tmp_path))} && {aixgo} run wf.yaml --input $'a\\nb\\nc'; echo EXIT=$?; sleep 600"
    session = f"aixgo-{uuid.uuid4().hex[:8]}"
    tmux("new-session", "-d", "-s", session, "-x", "150", "-y", "30", command)
    try:
        # LiteLLM is imported before the run starts (so its clock and time limit do not pay for it).
        loading = wait_for_screen(session, "loading providers (LiteLLM)...")
        assert "started" not in loading and "running:" not in loading
        during = wait_for_screen(session, "retrying in", "tokens  $")
        assert "429, retrying in" in during
        assert "running: items[" in during and "tokens  $" in during
        assert "s  items " in during  # elapsed time and items done/total
        assert not re.search(r"\x1b\[[0-9;]*\b3[0-7]m", during)  # NO_COLOR: no colours (dim/bold may stay)
        after = wait_for_screen(session, "EXIT=")
        assert "EXIT=0" in after
        assert "retrying in" not in after  # the status area is gone once the run ends
        assert "completed: 4 new steps" in after
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True, check=False, timeout=30)
