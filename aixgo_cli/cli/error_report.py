"""How an error reaches the user: its message, its hint and, for an invalid workflow, every problem in
it, all redacted, on stderr; and its exit code. `cli/__init__.py` and `run`/`resume` both report here."""

from __future__ import annotations

import sys

from aixgo_cli.cli import state
from aixgo_cli.errors import AixgoError, NextStep, outcome_word


def safe(text: str) -> str:
    from aixgo_cli.secrets.redaction import redact

    return redact(text)


def report_error(error: AixgoError) -> int:
    """Print an error (and, for an invalid workflow, every problem in it); return its exit code."""
    report = getattr(error, "report", None)
    if report is not None:
        from aixgo_cli.render.issues import issue_text
        from aixgo_cli.render.style import Style, color_enabled

        style = Style(color_enabled(sys.stderr))
        for issue in report.issues:
            sys.stderr.write(issue_text(issue, report.loaded.lines, style) + "\n")
    if state.debug:
        from aixgo_cli.secrets.redaction import redact_exception_text

        sys.stderr.write(redact_exception_text(error, with_traceback=True) + "\n")
    word = outcome_word(error)
    sys.stderr.write(f"aixgo: {word}: {safe(error.message.removeprefix(word + ': '))}\n")
    hint = shown_hint(error)
    if hint:
        sys.stderr.write(f"  hint: {safe(hint)}\n")
    return int(error.exit_code)


def command_text(step: NextStep) -> str:
    """The command line of a next step, as a user types it."""
    return " ".join(["aixgo", step.command, step.run_id or "RUN_ID", *step.options]) + step.note


def shown_hint(error: AixgoError) -> str | None:
    """The hint as the user reads it: its prose, then the next step's command."""
    if error.next_step is None:
        return error.hint
    command = command_text(error.next_step)
    return f"{error.hint} {command}" if error.hint else command
