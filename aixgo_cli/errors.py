"""The error and exit-code contract (SPEC §2), in one place.

Two roots, sorted by whose fault the problem is:

* `UserError`: the invocation, the workflow file or the configuration is wrong; nothing ran (or the run
  stopped before any work because a secret is missing). Exit 2 or 3.
* `RunError`: something failed while running. Exit 1, or a pause code (4, 5), or 130 when interrupted.

Every error carries a hint naming the exact next command, so a user never has to guess. Below the CLI
that command is data (`NextStep`), not text: the CLI renders it (`aixgo resume RUN --answer yes`), and a
server could send it as JSON. Only `aixgo_cli.cli` turns errors into text and exit codes; everything
below it just raises.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import IntEnum


class ExitCode(IntEnum):
    """The documented exit codes. `aixgo --help` and the README print this same table."""

    OK = 0
    STEP_FAILED = 1
    INVALID = 2
    CREDENTIALS = 3
    PAUSED_BUDGET = 4
    PAUSED_HUMAN = 5
    INTERRUPTED = 130


EXIT_CODE_MEANINGS: dict[ExitCode, tuple[str, str]] = {
    ExitCode.OK: ("completed", "-"),
    ExitCode.STEP_FAILED: ("a step failed permanently (after retries)", "yes, after a fix"),
    ExitCode.INVALID: ("invalid invocation or invalid workflow: nothing ran", "-"),
    ExitCode.CREDENTIALS: ("credentials or configuration: missing secret, key rejected", "yes"),
    ExitCode.PAUSED_BUDGET: ("paused: budget (money, tokens, steps, time) reached", "yes, with a new budget"),
    ExitCode.PAUSED_HUMAN: ("paused: waiting for a human answer", "yes, with --answer"),
    ExitCode.INTERRUPTED: ("interrupted (SIGINT/SIGTERM, or stdout closed mid-run); journal flushed", "yes"),
}


# How a run ended, as an exit code: the one mapping `run`, `resume` (and any later front end) use.
# A failed run exits with its error's own code (1, or 3 for a key the provider rejected).
RUN_STATUS_EXIT_CODES: dict[str, ExitCode] = {
    "completed": ExitCode.OK,
    "paused": ExitCode.PAUSED_BUDGET,
    "waiting": ExitCode.PAUSED_HUMAN,
    "interrupted": ExitCode.INTERRUPTED,
}


def exit_code_for(status: str, error: AixgoError | None) -> ExitCode:
    """The exit code of a run that ended with `status` (and, when it failed, `error`)."""
    if status in RUN_STATUS_EXIT_CODES:
        return RUN_STATUS_EXIT_CODES[status]
    return error.exit_code if error is not None else ExitCode.STEP_FAILED


def outcome_word(error: AixgoError) -> str:
    """How to introduce this error's message: a pause, a wait or an interruption is an outcome the user
    expected to be possible, not an error (`aixgo: paused: ...`, not `aixgo: error: paused`)."""
    if isinstance(error, RunWaiting):
        return "waiting"
    if isinstance(error, RunPaused):
        return "paused"
    if isinstance(error, RunInterrupted):
        return "interrupted"
    return "error"


@dataclass(frozen=True)
class NextStep:
    """A command to run next, as data. `run_id` None: not known where the error was raised (the runner
    fills it in). The CLI renders `aixgo <command> <run id> <options...><note>` after the hint's prose."""

    command: str  # an existing aixgo command: "resume"
    run_id: str | None = None
    options: tuple[str, ...] = ()  # e.g. ("--answer", "yes") or ("--max-steps", "6")
    note: str = ""  # text after the command, e.g. " (or --answer no, or a message for the agent)"

    def for_run(self, run_id: str) -> NextStep:
        return self if self.run_id is not None else replace(self, run_id=run_id)


def resume_step(run_id: str | None = None, *options: str, note: str = "") -> NextStep:
    """`aixgo resume RUN [options]`: the next step of every resumable outcome."""
    return NextStep("resume", run_id, tuple(options), note)


class AixgoError(Exception):
    """Base of both roots. `message` says what is wrong; `hint` says what to do next, in prose, and
    `next_step` the command that follows that prose (rendered by the CLI)."""

    exit_code: ExitCode = ExitCode.STEP_FAILED

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        exit_code: ExitCode | None = None,
        next_step: NextStep | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.next_step = next_step
        if exit_code is not None:
            self.exit_code = exit_code


class UserError(AixgoError):
    """Fix your input: bad arguments, an invalid workflow, a missing secret. Nothing ran."""

    exit_code = ExitCode.INVALID


class ConfigurationError(UserError):
    """Credentials or configuration: a missing secret or a key the provider rejected (exit 3)."""

    exit_code = ExitCode.CREDENTIALS


class RunError(AixgoError):
    """Failed while running. The journal keeps everything that completed; the run is resumable."""

    exit_code = ExitCode.STEP_FAILED


class RunPaused(RunError):
    """A limit was reached (exit 4) or a human answer is awaited (exit 5). Resumable."""

    exit_code = ExitCode.PAUSED_BUDGET


class RunWaiting(RunPaused):
    """A step needs a human answer before it can go on (exit 5); `aixgo resume RUN --answer ...`."""

    exit_code = ExitCode.PAUSED_HUMAN


class RunInterrupted(RunError):
    """SIGINT or SIGTERM arrived; the journal was flushed before exiting."""

    exit_code = ExitCode.INTERRUPTED
