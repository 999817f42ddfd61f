"""Next steps are data below the CLI (errors.NextStep); the CLI renders them after the hint's prose, and
every command one names exists."""

from __future__ import annotations

import pytest

from aixgo_cli.cli import app
from aixgo_cli.cli.error_report import command_text, report_error, shown_hint
from aixgo_cli.errors import NextStep, RunError, RunWaiting, resume_step


def test_the_cli_renders_a_next_step_after_the_hint(capsys: pytest.CaptureFixture[str]) -> None:
    waiting = RunWaiting(
        "waiting for an answer: send it?",
        hint="answer with:",
        next_step=resume_step("r1", "--answer", "yes", note=" (or --answer no, or a message for the agent)"),
    )
    assert report_error(waiting) == 5
    assert capsys.readouterr().err == (
        "aixgo: waiting: waiting for an answer: send it?\n"
        "  hint: answer with: aixgo resume r1 --answer yes (or --answer no, or a message for the agent)\n"
    )


def test_an_unknown_run_id_renders_as_the_placeholder_and_the_runner_fills_it_in() -> None:
    error = RunError("the prompt could not be rendered", hint="check the names; then:", next_step=resume_step())
    assert shown_hint(error) == "check the names; then: aixgo resume RUN_ID"
    assert error.next_step is not None
    assert command_text(error.next_step.for_run("r9")) == "aixgo resume r9"
    assert resume_step("r1").for_run("r9").run_id == "r1"  # a known run id stays


def test_a_next_step_without_prose_is_the_command_alone() -> None:
    assert shown_hint(RunError("failed", next_step=NextStep("resume", "r2", ("--max-steps", "6")))) == (
        "aixgo resume r2 --max-steps 6"
    )


def test_every_command_a_next_step_names_exists() -> None:
    import typer.main

    commands = set(typer.main.get_command(app).commands)  # type: ignore[attr-defined]
    assert resume_step().command in commands
