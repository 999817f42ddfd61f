"""The `aixgo` command line: a thin layer that parses, delegates and maps errors to exit codes.

Start-up time is a budget (`--help` <= 100 ms, `validate` <= 150 ms), so this module imports only Typer;
each command imports what it needs inside its body, and LiteLLM and keyring never load unless a command
calls a model or touches the keyring.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import NoReturn

import typer

from aixgo_cli import __version__
from aixgo_cli.cli import state
from aixgo_cli.cli.error_report import report_error, safe
from aixgo_cli.errors import EXIT_CODE_MEANINGS, AixgoError, ExitCode

_EPILOG = (
    "\b\nExit codes:\n"
    + "\n".join(
        f"  {int(code):>3}  {meaning}" + (f" (resumable: {resumable})" if resumable != "-" else "")
        for code, (meaning, resumable) in EXIT_CODE_MEANINGS.items()
    )
    + "\n\nDocs: docs/workflow-format.md. Add --debug to any command for a traceback."
)

app = typer.Typer(
    name="aixgo",
    help="Define LLM agent workflows in YAML and run them durably.",
    epilog=_EPILOG,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    add_completion=False,
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"aixgo {__version__}\n")
        raise typer.Exit(0)


@app.callback()
def _root(
    ctx: typer.Context,
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
) -> None:
    state.debug = state.debug or debug
    if ctx.invoked_subcommand not in ("run", "resume"):  # those resume it once their model client is built
        from aixgo_cli.cli import collector

        collector.resume()


def _register() -> None:
    from aixgo_cli.cli import (
        audit_cmd,
        index_cmd,
        run_cmd,
        runs_cmd,
        schema_cmd,
        secrets_cmd,
        sessions_cmd,
        validate_cmd,
    )

    app.command("run", help=run_cmd.RUN_HELP, epilog=_EPILOG)(run_cmd.run)
    app.command("resume", help=run_cmd.RESUME_HELP, epilog=_EPILOG)(run_cmd.resume)
    app.command("validate", help=validate_cmd.HELP, epilog=_EPILOG)(validate_cmd.validate)
    app.add_typer(runs_cmd.app, name="runs")
    app.add_typer(secrets_cmd.app, name="secrets")
    app.add_typer(audit_cmd.app, name="audit")
    app.add_typer(sessions_cmd.app, name="sessions")
    app.add_typer(index_cmd.app, name="index")
    app.command("schema", help=schema_cmd.HELP)(schema_cmd.schema)
    _register_operator_commands()


def _register_operator_commands() -> None:
    from aixgo_cli.cli import completion, doctor_cmd, graph_cmd, init_cmd, migrate_cmd, models_cmd, serve_cmd

    app.command("migrate", help=migrate_cmd.HELP)(migrate_cmd.migrate)
    app.command("graph", help=graph_cmd.HELP)(graph_cmd.graph)
    app.command("doctor", help=doctor_cmd.HELP)(doctor_cmd.doctor)
    app.command("models", help=models_cmd.HELP)(models_cmd.models)
    app.command("init", help=init_cmd.HELP)(init_cmd.init)
    app.command("completion", help=completion.HELP)(completion.completion)
    app.add_typer(serve_cmd.app, name="serve")


_register()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code, with stdout and stderr behind the secret filter: every
    sink, whoever writes to it, shows only redacted text (see `secrets.stream`)."""
    from contextlib import suppress

    from aixgo_cli.cli import collector
    from aixgo_cli.secrets.stream import RedactingStream

    collector.pause()  # until the command's long-lived objects exist (see cli/collector.py)
    original = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = RedactingStream(sys.stdout), RedactingStream(sys.stderr)
    try:
        return _main(argv)
    finally:
        for stream in (sys.stdout, sys.stderr):
            # A reader that went away (BrokenPipeError) cannot be shown the rest anyway.
            with suppress(BrokenPipeError, ValueError):
                if isinstance(stream, RedactingStream):
                    stream.drain()
        sys.stdout, sys.stderr = original
        _quiet_if_stdout_closed()
        collector.resume()


def entry() -> NoReturn:
    """The `aixgo` script and `python -m aixgo_cli`: `main()`, then leave the process without the
    interpreter's teardown.

    Why: once LiteLLM is loaded, freeing its modules at exit takes ~0.9 s of a run's wall time (3.4 s
    against 2.5 s for `import litellm` then exit, measured here), and nothing in it matters: by the time
    `main()` returns, every journal is closed, the result is written and spans are flushed. What must
    still run does: the atexit handlers (model-call workers reaped, logging flushed), then stdout and
    stderr are flushed, then the process ends with `main()`'s code. In-process callers (tests) use
    `main()` and keep a normal interpreter."""
    import atexit

    from aixgo_cli.cli.leaving import flush_and_exit

    code = main()
    atexit._run_exitfuncs()
    flush_and_exit(code)


def _main(argv: Sequence[str] | None) -> int:
    """Parse, delegate, and map errors to exit codes: the only place errors become text and numbers."""
    args = list(sys.argv[1:] if argv is None else argv)
    from aixgo_cli.cli import completion

    if completion.requested():  # the shell asks for completions: no command runs
        return completion.run_completion(app, args)
    # --debug works anywhere on the line, not only before the command.
    state.debug = "--debug" in args[: args.index("--") if "--" in args else len(args)]
    if state.debug:
        args.remove("--debug")

    _tolerant_stdout()
    try:
        result = app(args=args, prog_name="aixgo", standalone_mode=False)
    except AixgoError as error:
        return report_error(error)
    except BrokenPipeError:
        # The reader of stdout went away (`aixgo runs list | head`); what it read is all it wanted.
        _quiet_if_stdout_closed()
        return int(ExitCode.OK)
    except typer.Exit as done:
        return int(done.exit_code)
    except typer.TyperException as error:  # a usage error (typer's public base of its parser's errors)
        show = getattr(error, "show", None)
        if callable(show):
            show(file=sys.stderr)
        else:
            sys.stderr.write(f"aixgo: error: {safe(str(error))}\n")
        return int(ExitCode.INVALID)
    except (KeyboardInterrupt, typer.Abort):
        sys.stderr.write("aixgo: interrupted\n")
        return int(ExitCode.INTERRUPTED)
    except Exception as error:  # a bug in aixgo: say so plainly, traceback only with --debug
        if state.debug:
            from aixgo_cli.secrets.redaction import redact_exception_text

            sys.stderr.write(redact_exception_text(error, with_traceback=True) + "\n")
        sys.stderr.write(
            f"aixgo: internal error: {type(error).__name__}: {safe(str(error))}\n"
            "  hint: rerun with --debug for the traceback, and report it\n"
        )
        return int(ExitCode.STEP_FAILED)
    return int(result) if isinstance(result, int) else 0


def _tolerant_stdout() -> None:
    """A stdout that cannot encode some text (PYTHONIOENCODING=ascii, a C locale) shows it escaped
    (\\u00e9) instead of failing after the run has done its work; stderr already behaves this way."""
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None and getattr(sys.stdout, "errors", None) == "strict":
        reconfigure(errors="backslashreplace")


def _quiet_if_stdout_closed() -> None:
    """When the reader of our stdout has gone (`| head`), point stdout at /dev/null so the interpreter's
    final flush does not print a BrokenPipeError after the command has already said what happened."""
    import os

    try:
        sys.stdout.flush()
    except (BrokenPipeError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
