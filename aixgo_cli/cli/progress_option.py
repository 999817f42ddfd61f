"""`--progress auto|live|plain|off` of `run` and `resume` (what each mode shows: render/plain_progress.py)."""

from __future__ import annotations

import typer

PROGRESS_CHOICES = ("auto", "live", "plain", "off")
LIVE_MODES = ("auto", "live")  # the modes in which a live status may show on a terminal


def _check(value: str) -> str:
    if value not in PROGRESS_CHOICES:
        raise typer.BadParameter(f"'{value}' is not one of {', '.join(PROGRESS_CHOICES)}")
    return value


def progress_option() -> str:
    """The option as a parameter default (typer reads the `OptionInfo` it returns)."""
    option: str = typer.Option(
        "auto",
        "--progress",
        metavar="MODE",
        callback=_check,
        help="Progress on stderr: auto (live on a terminal, plain otherwise), live, plain (lines for logs), off.",
    )
    return option
