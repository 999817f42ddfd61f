"""Bad options and input for `run` and `resume` are exit 2 with a message, before anything runs; one
place maps a run's status to its exit code; outcomes read as outcomes; progress shows styles, not markup.

In-process (`aixgo_cli.cli.main`): every case here is refused before a journal or a model is touched.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from aixgo_cli.cli import main
from aixgo_cli.cli.error_report import report_error
from aixgo_cli.cli.limits import LimitOverrides
from aixgo_cli.engine.runner import RunParams
from aixgo_cli.errors import ExitCode, RunError, RunInterrupted, RunPaused, RunWaiting, UserError, exit_code_for
from aixgo_cli.events import RunFinished, StepFailed, StepFinished, Token
from aixgo_cli.render.progress import EventSink

WORKFLOW = "version: 1\nname: wf\nagents:\n  - {name: a, role: react, model: openai/gpt-4o-mini}\n"

BAD_LIMITS = [
    ["--max-steps", "0"],
    ["--max-steps", "-2"],
    ["--max-tokens", "0"],
    ["--max-tokens", "-100"],
    ["--budget-usd", "0"],
    ["--budget-usd", "-0.5"],
    ["--budget-usd", "nan"],
    ["--budget-usd", "inf"],
    ["--budget-usd", "-inf"],
    ["--timeout", "0"],
    ["--timeout", "0s"],
    ["--timeout", "-5"],
    ["--timeout", "nan"],
    ["--timeout", "1e999"],
]


@pytest.fixture
def workflow(tmp_path: Path) -> Path:
    path = tmp_path / "wf.yaml"
    path.write_text(WORKFLOW, encoding="utf-8")
    return path


@pytest.mark.parametrize("option", [*BAD_LIMITS, ["--concurrency", "0"], ["--concurrency", "-3"]])
def test_run_refuses_a_limit_that_could_only_pause_at_once(
    workflow: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], option: list[str]
) -> None:
    db = tmp_path / "runs.db"
    assert main(["run", str(workflow), "--input", "x", "--db", str(db), *option]) == ExitCode.INVALID
    err = capsys.readouterr().err
    assert f"aixgo: error: {option[0]} " in err and "hint: for example: " + option[0] in err
    assert not db.exists()  # nothing ran, nothing was recorded


@pytest.mark.parametrize("option", BAD_LIMITS)
def test_resume_refuses_the_same_limits_before_opening_the_journal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: list[str]
) -> None:
    db = tmp_path / "runs.db"
    assert main(["resume", "r01anything", "--db", str(db), *option]) == ExitCode.INVALID
    assert f"aixgo: error: {option[0]} " in capsys.readouterr().err
    assert not db.exists()


def test_resume_overrides_apply_every_given_limit_and_keep_the_others() -> None:
    stored = RunParams(input="x", max_steps=5, max_tokens=1000, max_cost_usd=0.5, timeout_s=60.0, concurrency=2)
    merged = LimitOverrides.from_options(max_steps=1, max_tokens=None, budget_usd=0.01, timeout="2s").over(stored)
    assert (merged.max_steps, merged.max_tokens, merged.max_cost_usd, merged.timeout_s, merged.concurrency) == (
        1,
        1000,
        0.01,
        2.0,
        2,
    )
    assert LimitOverrides().over(stored) == stored


@pytest.mark.parametrize(
    ("data", "where"),
    [(b"caf\xe9\n", "line 1, column 4"), (b"ok\nna\xefve\n", "line 2, column 3"), (b"\xff\xfe", "line 1, column 1")],
)
def test_input_that_is_not_utf8_is_exit_2_naming_the_byte(
    workflow: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], data: bytes, where: str
) -> None:
    source = tmp_path / "latin1.txt"
    source.write_bytes(data)
    assert main(["run", str(workflow), "--input", f"@{source}", "--db", str(tmp_path / "r.db")]) == 2
    err = capsys.readouterr().err
    bad = next(b for b in data if b >= 0x80)
    assert f"is not UTF-8 text: byte 0x{bad:02X}" in err
    assert where in err and "hint: save it as UTF-8" in err


def test_stdin_that_is_not_utf8_is_exit_2(
    workflow: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"r\xe9sum\xe9")))
    assert main(["run", str(workflow), "--input", "-", "--db", str(tmp_path / "r.db")]) == 2
    assert "stdin is not UTF-8 text: byte 0xE9 at line 1, column 2" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["run", "resume"])
def test_events_on_stdout_and_json_are_refused_together(
    workflow: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    target = str(workflow) if command == "run" else "r01x"
    assert main([command, target, "--json", "--events", "-", "--db", str(tmp_path / "r.db")]) == 2
    assert "--events - and --json both want stdout" in capsys.readouterr().err


def test_one_mapping_from_run_status_to_exit_code() -> None:
    assert exit_code_for("completed", None) == ExitCode.OK
    assert exit_code_for("paused", RunPaused("x")) == ExitCode.PAUSED_BUDGET
    assert exit_code_for("waiting", RunWaiting("x")) == ExitCode.PAUSED_HUMAN
    assert exit_code_for("interrupted", RunInterrupted("x")) == ExitCode.INTERRUPTED
    assert exit_code_for("failed", RunError("x")) == ExitCode.STEP_FAILED
    assert exit_code_for("failed", UserError("x", exit_code=ExitCode.CREDENTIALS)) == ExitCode.CREDENTIALS
    assert exit_code_for("failed", None) == ExitCode.STEP_FAILED


@pytest.mark.parametrize(
    ("error", "line"),
    [
        (RunPaused("paused: the step limit (2) is reached"), "aixgo: paused: the step limit (2) is reached"),
        (RunWaiting("agent 'a' asks: ok?"), "aixgo: waiting: agent 'a' asks: ok?"),
        (RunInterrupted("interrupted"), "aixgo: interrupted: interrupted"),
        (RunError("agent 'a' failed: boom"), "aixgo: error: agent 'a' failed: boom"),
    ],
)
def test_outcomes_are_not_printed_as_errors(capsys: pytest.CaptureFixture[str], error: RunError, line: str) -> None:
    report_error(error)
    assert capsys.readouterr().err.splitlines()[0] == line


def _sink(stream: bool = False) -> EventSink:
    return EventSink(events_out=None, progress=True, stream_tokens=stream, quiet=False)


def test_progress_styles_a_failure_instead_of_printing_markup(capsys: pytest.CaptureFixture[str]) -> None:
    sink = _sink()
    sink(StepFailed(run_id="r", at=0, unit_key="k", place="items[0]/answer", agent="answer", error="bad [b]x[/b]"))
    sink(
        StepFinished(
            run_id="r",
            at=0,
            unit_key="k",
            place="items[1]/answer",
            agent="answer",
            cached=False,
            duration_ms=1200,
            tokens=5,
            cost_usd=0,
            preview="",
        )
    )
    err = capsys.readouterr().err
    assert "[red]" not in err and "[/red]" not in err and "[green]" not in err
    assert "✗ items[0]/answer: bad [b]x[/b]" in err  # the error text is shown as written
    assert "✓ items[1]/answer  1.2s  5 tok" in err


def test_parallel_streams_are_labelled_lines_and_end_before_the_summary(capsys: pytest.CaptureFixture[str]) -> None:
    sink = EventSink(events_out=None, progress=False, stream_tokens=True, quiet=False)

    def token(place: str, text: str) -> Token:
        return Token(run_id="r", at=0, agent="answer", text=text, place=place)

    for event in (
        token("i[0]/answer", "Hel"),
        token("i[1]/answer", "Bon"),
        token("i[0]/answer", "lo"),
        token("i[1]/answer", "jour"),
    ):
        sink(event)
    sink(RunFinished(run_id="r", at=0, status="completed", tokens=4, cost_usd=0, steps=2, cached_steps=0))
    sys.stderr.write("aixgo: run r completed\n")
    lines = capsys.readouterr().err.splitlines()
    assert lines == [
        "i[0]/answer: Hel",
        "i[1]/answer: Bon",
        "i[0]/answer: lo",
        "i[1]/answer: jour",
        "aixgo: run r completed",
    ]


def test_quiet_streams_nothing_and_shows_no_progress(capsys: pytest.CaptureFixture[str]) -> None:
    sink = EventSink(events_out=None, progress=True, stream_tokens=True, quiet=True)
    sink(Token(run_id="r", at=0, agent="a", text="hello", place="a"))
    sink(StepFailed(run_id="r", at=0, unit_key="k", place="a", agent="a", error="boom"))
    assert capsys.readouterr().err == ""
