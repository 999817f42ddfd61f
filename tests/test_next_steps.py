"""Next steps are data below the CLI (errors.NextStep); the CLI renders them after the hint's prose, and
every command one names exists."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from aixgo_cli.cli import app
from aixgo_cli.cli.error_report import command_text, report_error, shown_hint
from aixgo_cli.errors import NextStep, RunError, RunWaiting, resume_step

PACKAGE = Path(__file__).resolve().parents[1] / "aixgo_cli"


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


# Words before "aixgo" that make it the program's name in prose, not a command line ("the Go aixgo config",
# "upgrade aixgo to resume it").
PROSE_BEFORE = ("Go", "point", "upgrade", "reinstall", "newer")
COMMAND_LINE = re.compile(r"(?<![\w-])aixgo ([a-z][a-z-]*)(?: ([a-z][a-z-]*))?")


def _hint_texts() -> Iterator[tuple[str, str]]:
    """Every string literal that can end up in a hint: `hint=` arguments, `hint` variables and the
    returns of functions named for hints, anywhere in the package."""
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            values: list[ast.AST] = []
            hint_variable = isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and "hint" in t.id for t in node.targets
            )
            if isinstance(node, ast.keyword | ast.Assign) and (hint_variable or getattr(node, "arg", "") == "hint"):
                values = [node.value]
            elif isinstance(node, ast.FunctionDef) and "hint" in node.name:
                values = [n.value for n in ast.walk(node) if isinstance(n, ast.Return) and n.value is not None]
            for value in values:
                for leaf in ast.walk(value):
                    if isinstance(leaf, ast.Constant) and isinstance(leaf.value, str):
                        yield str(path.relative_to(PACKAGE.parent)), leaf.value


def test_every_command_a_hint_names_exists() -> None:
    import typer.main

    commands: dict[str, Any] = typer.main.get_command(app).commands  # type: ignore[attr-defined]
    named = 0
    for where, text in _hint_texts():
        for match in COMMAND_LINE.finditer(text):
            if text[: match.start()].rstrip().endswith(PROSE_BEFORE):
                continue
            command, sub = match.group(1), match.group(2)
            assert command in commands, f"{where}: `aixgo {command}` is not a command ({text!r})"
            subcommands = getattr(commands[command], "commands", None)  # a group: `runs`, `secrets`...
            if subcommands is not None:
                assert sub in subcommands, f"{where}: `aixgo {command} {sub}` is not a command ({text!r})"
            named += 1
    assert named >= 20  # the scan does find the hints' commands
