"""Progress without a terminal: plain lines on stderr (no escape codes, no carriage returns), one per step."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from tests.support.e2e import make_cli, stub_service

from aixgo_cli.events import ModelRetry, RunFinished, StepFailed, StepFinished, StepStarted
from aixgo_cli.render.plain_progress import PlainProgress, progress_mode
from aixgo_cli.testing.stub_model_server import StubModelServer

WORKFLOW = """\
version: 1
name: plain
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
STEP_LINE = re.compile(r"^aixgo: step items\[\d\]/answer completed in \d+\.\d s, \d+ tokens", re.MULTILINE)


def finished(place: str, *, cached: bool = False, tokens: int = 12, cost: float = 0.0015) -> StepFinished:
    return StepFinished(
        run_id="r1", at=0.0, unit_key=place + "#k", place=place, agent="answer", cached=cached,
        duration_ms=1234.0, tokens=tokens, cost_usd=cost, preview="",
    )  # fmt: skip


def test_a_finished_step_a_failed_step_and_a_retry_are_one_plain_line_each() -> None:
    out = io.StringIO()
    progress = PlainProgress(out)
    progress(finished("items[0]/answer"))
    progress(StepFailed(run_id="r1", at=0.0, unit_key="k", place="items[1]/answer", agent="answer", error="bad\nreply"))
    progress(ModelRetry(run_id="r1", at=0.0, model="openai/gpt-4o-mini", attempt=1, delay_s=2.0, reason="429"))
    assert out.getvalue().splitlines() == [
        "aixgo: step items[0]/answer completed in 1.2 s, 12 tokens, $0.0015",
        "aixgo: step items[1]/answer failed: bad reply",
        "aixgo: openai/gpt-4o-mini: 429, retrying in 2 s (attempt 1)",
    ]


def test_cached_steps_are_summarised_in_one_line_when_real_work_starts() -> None:
    out = io.StringIO()
    progress = PlainProgress(out)
    for i in range(40):
        progress(finished(f"items[{i}]/answer", cached=True))
    assert out.getvalue() == ""
    progress(StepStarted(run_id="r1", at=0.0, unit_key="k", place="items[40]/answer", agent="answer", role="react"))
    progress(finished("items[40]/answer", tokens=0, cost=0.0))
    progress(RunFinished(run_id="r1", at=1.0, status="completed", tokens=0, cost_usd=0.0, steps=41, cached_steps=40))
    assert out.getvalue().splitlines() == [
        "aixgo: 40 steps from the journal",
        "aixgo: step items[40]/answer completed in 1.2 s",
    ]


def test_a_secret_in_an_error_is_masked() -> None:
    out = io.StringIO()
    secret = "sk-proj-" + "Z" * 24
    PlainProgress(out)(StepFailed(run_id="r", at=0.0, unit_key="k", place="a", agent="a", error=f"key {secret}"))
    assert secret not in out.getvalue() and "aixgo: step a failed: key " in out.getvalue()


@pytest.mark.parametrize(
    ("requested", "quiet", "terminal", "mode"),
    [
        ("auto", False, True, "live"),
        ("auto", False, False, "plain"),
        ("plain", False, True, "plain"),
        ("live", False, False, "live"),
        ("off", False, True, "off"),
        ("auto", True, False, "off"),
        ("plain", True, True, "off"),
    ],
)
def test_progress_mode(requested: str, quiet: bool, terminal: bool, mode: str) -> None:
    assert progress_mode(requested, quiet=quiet, terminal=terminal) == mode


@pytest.mark.slow
def test_a_run_with_stderr_to_a_pipe_prints_plain_step_lines_and_retries(tmp_path: Path, stub: StubModelServer) -> None:
    cli = make_cli(tmp_path)
    service = "\n".join(line for line in stub_service(stub).splitlines() if "retry:" not in line)
    cli.write("wf.yaml", WORKFLOW.format(service=service + "\n    retry: {initial_backoff: 10ms, max_backoff: 20ms}"))
    stub.script([{"status": 429}])
    done = cli.run("run", "wf.yaml", "--input", "a\nb\nc")
    assert done.returncode == 0, done.stderr
    assert len(STEP_LINE.findall(done.stderr)) == 3, done.stderr
    assert re.search(r"^aixgo: step source/items completed in \d+\.\d s$", done.stderr, re.MULTILINE)
    assert re.search(r"^aixgo: stub: 429, retrying in \d+ s \(attempt 1\)$", done.stderr, re.MULTILINE)
    assert "\x1b" not in done.stderr and "\r" not in done.stderr
    quiet = cli.run("run", "wf.yaml", "--input", "d\ne", "--quiet")
    assert quiet.returncode == 0 and quiet.stderr == ""
    off = cli.run("run", "wf.yaml", "--input", "d\ne", "--progress", "off")
    assert off.returncode == 0 and "aixgo: step" not in off.stderr and "completed: 3 new steps" in off.stderr


@pytest.mark.slow
def test_a_resume_summarises_the_cached_steps_in_one_line(tmp_path: Path, stub: StubModelServer) -> None:
    cli = make_cli(tmp_path)
    cli.write("wf.yaml", WORKFLOW.format(service=stub_service(stub)))
    paused = cli.run("run", "wf.yaml", "--input", "a\nb\nc", "--max-steps", "3")
    assert paused.returncode == 4, paused.stderr
    run_id = cli.runs()[0]["run_id"]
    resumed = cli.run("resume", run_id, "--progress", "plain", "--max-steps", "10")
    assert resumed.returncode == 0, resumed.stderr
    assert re.search(r"^aixgo: 3 steps from the journal$", resumed.stderr, re.MULTILINE), resumed.stderr
    assert "(from the journal)" not in resumed.stderr  # not one line each
    assert re.search(r"^aixgo: step items\[2\]/answer completed in", resumed.stderr, re.MULTILINE)


def test_an_unknown_progress_mode_is_a_usage_error(tmp_path: Path) -> None:
    from aixgo_cli.cli import main

    assert main(["run", str(tmp_path / "missing.yaml"), "--progress", "loud"]) == 2
