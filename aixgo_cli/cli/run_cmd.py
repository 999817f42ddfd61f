"""`aixgo run WORKFLOW` and `aixgo resume RUN_ID`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from aixgo_cli.cli.progress_option import LIVE_MODES, progress_option

if TYPE_CHECKING:  # imported inside the commands: --help must not load the engine
    from aixgo_cli.engine.runner import Runner
    from aixgo_cli.knowledge.build import BuildReport
    from aixgo_cli.wiring import RunServices, RunSession

RUN_HELP = (
    "Validate WORKFLOW, resolve its secrets, and run it to completion or a pause.\n"
    "The run id is printed on stderr at the start; stdout carries only the result."
)
RESUME_HELP = (
    "Continue a run from its journal. Finished steps are not redone; after an edit to the\n"
    "workflow file only the changed steps and what depends on them run again."
)


def run(
    workflow: Path = typer.Argument(..., metavar="WORKFLOW", help="The workflow file."),
    input_: str | None = typer.Option(
        None, "--input", "-i", metavar="TEXT|@FILE|-", help="The run's input: TEXT, @FILE, or - for stdin."
    ),
    var: list[str] = typer.Option(
        [], "--var", metavar="NAME=VALUE", help="Set a declared input: NAME=VALUE (repeatable)."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print the outcome as one JSON object on stdout."),
    events: str | None = typer.Option(
        None, "--events", metavar="FILE|-", help="Write the event stream as JSONL to FILE (or -)."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing on stderr but errors."),
    progress: str = progress_option(),
    stream: bool = typer.Option(False, "--stream", help="Show model tokens live on stderr."),
    otel: bool = typer.Option(
        False,
        "--otel",
        help="Export OpenTelemetry spans over OTLP/HTTP (also on when OTEL_EXPORTER_OTLP_ENDPOINT is set).",
    ),
    budget_usd: float | None = typer.Option(
        None, "--budget-usd", metavar="USD", help="Pause (exit 4) once this much is spent."
    ),
    max_steps: int | None = typer.Option(None, "--max-steps", metavar="N", help="Pause after this many steps."),
    max_tokens: int | None = typer.Option(None, "--max-tokens", metavar="N", help="Pause after this many tokens."),
    timeout: str | None = typer.Option(
        None, "--timeout", metavar="DURATION", help="Pause after this much wall time (e.g. 90s, 5m)."
    ),
    concurrency: int | None = typer.Option(None, "--concurrency", metavar="N", help="Items processed at once."),
    db: Path | None = typer.Option(None, "--db", metavar="PATH", help="Journal database (default: under AIXGO_HOME)."),
    record: Path | None = typer.Option(
        None, "--record", metavar="FILE", help="Record every model call to this cassette."
    ),
    replay: Path | None = typer.Option(None, "--replay", metavar="FILE", help="Answer model calls from this cassette."),
    session: str | None = typer.Option(
        None, "--session", metavar="NAME", help="Continue the conversation NAME (workflows with session:)."
    ),
    workers: int | None = typer.Option(
        None, "--workers", metavar="N", min=1, help="Processes for model calls (default: by the workflow's fan-out)."
    ),
) -> int:
    from aixgo_cli.cli import run_support as support
    from aixgo_cli.cli.limits import LimitOverrides
    from aixgo_cli.config.model import load_workflow
    from aixgo_cli.engine.capabilities import check_runnable
    from aixgo_cli.engine.inputs import resolve_variables
    from aixgo_cli.engine.runner import RunParams
    from aixgo_cli.wiring import RunServices, open_journal

    support.check_output_options(json_out=json_out, events=events)
    limits = LimitOverrides.from_options(
        max_steps=max_steps, max_tokens=max_tokens, budget_usd=budget_usd, timeout=timeout, concurrency=concurrency
    )
    loaded = load_workflow(workflow)
    check_runnable(loaded)  # before secrets: a missing capability is the first thing to hear about
    stdin = support.StdinOnce()
    params = limits.over(
        RunParams(
            input=support.read_input(input_, stdin),
            variables=resolve_variables(loaded, var),
            record=str(record) if record else None,
            replay=str(replay) if replay else None,
            session=session,
        )
    )

    prepared = _session(
        RunServices(loaded), replay=replay, record=record, quiet=quiet, workers=workers, live=progress in LIVE_MODES
    )
    events_out = support.open_events(events)
    with open_journal(db) as journal:
        runner = prepared.runner(
            journal,
            support.make_sink(events_out, quiet=quiet, stream=stream, otel=otel, progress=progress),
            stdin_reader=stdin,
            stream=stream,
            output=support.terminal_output(json_out=json_out, events=events),
        )
        code = support.drive(
            runner,
            lambda r: r.start(loaded, params),
            resumed=False,
            json_out=json_out,
            quiet=quiet,
            replayed=prepared.replayed,
            result_to_stdout=events != "-",
        )
    return _report_and_exit(runner, code)


def resume(
    run_id: str = typer.Argument(..., metavar="RUN_ID", help="The run id (a unique prefix is enough)."),
    json_out: bool = typer.Option(False, "--json", help="Print the outcome as one JSON object on stdout."),
    events: str | None = typer.Option(
        None, "--events", metavar="FILE|-", help="Write the event stream as JSONL to FILE (or -)."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing on stderr but errors."),
    progress: str = progress_option(),
    stream: bool = typer.Option(False, "--stream", help="Show model tokens live on stderr."),
    otel: bool = typer.Option(
        False,
        "--otel",
        help="Export OpenTelemetry spans over OTLP/HTTP (also on when OTEL_EXPORTER_OTLP_ENDPOINT is set).",
    ),
    budget_usd: float | None = typer.Option(None, "--budget-usd", metavar="USD", help="A new money limit."),
    max_steps: int | None = typer.Option(None, "--max-steps", metavar="N", help="A new step limit."),
    max_tokens: int | None = typer.Option(None, "--max-tokens", metavar="N", help="A new token limit."),
    timeout: str | None = typer.Option(None, "--timeout", metavar="DURATION", help="A new wall-time limit (e.g. 5m)."),
    answer: str | None = typer.Option(
        None, "--answer", metavar="TEXT", help="Answer the question a waiting run asked (exit 5)."
    ),
    rerun_interrupted_tools: bool = typer.Option(
        False, "--rerun-interrupted-tools", help="Re-run tool calls cut off mid-call even if not idempotent."
    ),
    db: Path | None = typer.Option(None, "--db", metavar="PATH", help="Journal database (default: under AIXGO_HOME)."),
    workers: int | None = typer.Option(
        None, "--workers", metavar="N", min=1, help="Processes for model calls (default: by the workflow's fan-out)."
    ),
) -> int:
    from aixgo_cli.cli import run_support as support
    from aixgo_cli.cli.limits import LimitOverrides
    from aixgo_cli.config.model import load_workflow
    from aixgo_cli.engine.runner import RunParams
    from aixgo_cli.errors import UserError
    from aixgo_cli.wiring import RunServices, open_journal

    support.check_output_options(json_out=json_out, events=events)
    limits = LimitOverrides.from_options(
        max_steps=max_steps, max_tokens=max_tokens, budget_usd=budget_usd, timeout=timeout
    )
    journal = open_journal(db)
    try:
        run = journal.find_run(run_id)
        if run.status == "completed":
            raise UserError(
                f"run {run.run_id} has already completed", hint=f"see it with: aixgo runs show {run.run_id}"
            )
        path = Path(run.workflow_path)
        if not path.is_file():
            raise UserError(
                f"the workflow of run {run.run_id} is gone: {path}", hint="put the file back at that path to resume"
            )
        loaded = load_workflow(path)
        services = RunServices(loaded)
        params = limits.over(RunParams.from_json(run.params_json, services.secrets.resolve))
        replay = Path(params.replay) if params.replay else None
        record = Path(params.record) if params.record else None
        prepared = _session(
            services, replay=replay, record=record, quiet=quiet, workers=workers, live=progress in LIVE_MODES
        )
        events_out = support.open_events(events)
        runner = prepared.runner(
            journal,
            support.make_sink(events_out, quiet=quiet, stream=stream, otel=otel, progress=progress),
            stream=stream,
            rerun_interrupted_tools=rerun_interrupted_tools,
            output=support.terminal_output(json_out=json_out, events=events),
        )
        code = support.drive(
            runner,
            lambda r: r.resume(run, loaded, params, answer=answer),
            resumed=True,
            json_out=json_out,
            quiet=quiet,
            replayed=prepared.replayed,
            result_to_stdout=events != "-",
        )
    finally:
        journal.close()
    return _report_and_exit(runner, code)


def _session(
    services: RunServices,
    *,
    replay: Path | None,
    record: Path | None,
    quiet: bool,
    workers: int | None,
    live: bool,
) -> RunSession:
    """The run session (wiring.RunSession), with the terminal's notices: the LiteLLM loading status (only
    where the live view may show: not with `--progress plain|off`), the auto-replay notice and the knowledge
    indexes that were brought up to date."""
    from aixgo_cli.cli import collector
    from aixgo_cli.cli import run_support as support
    from aixgo_cli.wiring import RunSession

    session = RunSession.prepare(
        services,
        replay=replay,
        record=record,
        on_auto_replay=support.auto_replay_notice_for(quiet=quiet),
        on_retry=support.RETRIES,
        on_knowledge=None if quiet else _knowledge_notice,
        loading=support.providers_loading(quiet=quiet or not live),
        workers=workers,
    )
    collector.resume()  # LiteLLM and the run's parts are loaded: from here on, collect as usual
    return session


def _knowledge_notice(report: BuildReport) -> None:
    import sys

    sys.stderr.write(
        f"aixgo: knowledge '{report.index}' was out of date: {report.files_changed} file(s) indexed, "
        f"{report.texts_embedded} chunk(s) embedded, ${report.cost_usd:.4f}\n"
    )


def _report_and_exit(runner: Runner, code: int) -> int:
    """The run's error, if it ended in one, goes to stderr after the result; then leave without waiting
    for worker threads stuck in a model call when the run was interrupted."""
    from aixgo_cli.cli.error_report import report_error
    from aixgo_cli.cli.run_support import hard_exit_if_threads_linger

    outcome = runner.outcome
    if outcome is not None and outcome.error is not None and code != 0:
        report_error(outcome.error)
    hard_exit_if_threads_linger(code)
    return code
