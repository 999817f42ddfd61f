"""What `run` and `resume` share: input, signals, event sinks, and turning an outcome into output.

stdout carries only the result (text, or one JSON object with --json); the run id, progress, warnings
and errors go to stderr. SIGINT and SIGTERM both end the run as "interrupted" with exit 130 after the
journal has recorded it; worker threads still inside a model call are abandoned, which is safe because
every journal write is its own transaction.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any, TextIO, cast

from aixgo_cli.agents.base import as_text
from aixgo_cli.agents.output import StreamOutput
from aixgo_cli.config.text_files import decode_text, read_text_file
from aixgo_cli.engine.result_items import StoredResult
from aixgo_cli.engine.runner import Runner, RunOutcome
from aixgo_cli.errors import ExitCode, UserError
from aixgo_cli.events import Event
from aixgo_cli.render.live_status import RetryRelay, RunEvents
from aixgo_cli.render.plain_progress import PlainProgress, progress_mode
from aixgo_cli.render.progress import EventSink
from aixgo_cli.secrets.redaction import redact
from aixgo_cli.secrets.stream import RedactingStream
from aixgo_cli.wiring import run_exit_code


def read_input(spec: str | None, stdin: Callable[[], str]) -> Any:
    """`--input TEXT`, `@FILE` or `-` (stdin, less the one line break that ends it, as `$(...)` in a shell
    drops it: `echo text | aixgo run -i -` gives `text`)."""
    if spec is None:
        return None
    if spec == "-":
        text = stdin()
        return text[:-2] if text.endswith("\r\n") else text.removesuffix("\n")
    if spec.startswith("@"):
        return read_text_file(Path(spec[1:]), f"--input {spec}", "give a readable file after @, or the text itself")
    return spec


class StdinOnce:
    """stdin read at most once, so `--input -` and a stdin producer can share it."""

    def __init__(self) -> None:
        self._text: str | None = None

    def __call__(self) -> str:
        if self._text is None:
            if sys.stdin is None or sys.stdin.closed:
                self._text = ""
            else:
                buffer = getattr(sys.stdin, "buffer", None)
                if buffer is None:
                    self._text = sys.stdin.read()
                else:  # bytes, so that text that is not UTF-8 is a clear error; newlines as text mode reads them
                    self._text = decode_text(buffer.read(), "stdin").replace("\r\n", "\n").replace("\r", "\n")
        return self._text


def check_output_options(*, json_out: bool, events: str | None) -> None:
    """stdout carries one thing: the result, the --json object, or the --events stream."""
    if json_out and events == "-":
        raise UserError(
            "--events - and --json both want stdout",
            hint="write the events to a file (--events events.jsonl), or leave out --json",
        )


def stdout_reserved(*, json_out: bool, events: str | None) -> bool:
    """True when stdout carries a machine-readable stream, so loggers aimed at stdout write to stderr."""
    return json_out or events == "-"


def terminal_output(*, json_out: bool, events: str | None) -> StreamOutput:
    """Loggers write to this process's stdout and stderr (looked up at each write: `write_stdout` swaps
    stdout for /dev/null once its reader has gone)."""
    return StreamOutput(
        lambda: sys.stdout, lambda: sys.stderr, stdout_reserved=stdout_reserved(json_out=json_out, events=events)
    )


def open_events(target: str | None) -> TextIO | None:
    if target is None:
        return None
    if target == "-":
        return sys.stdout
    try:
        return cast(TextIO, RedactingStream(Path(target).open("a", encoding="utf-8")))  # filtered like stdout
    except OSError as exc:
        raise UserError(f"--events {target}: {exc.strerror}", hint="give a writable path, or - for stdout") from None


RETRIES = RetryRelay()  # the model client is built before the sink; retries reach the sink through it


def make_sink(
    events: TextIO | None, *, quiet: bool, stream: bool, otel: bool = False, progress: str = "auto"
) -> EventSink:
    from aixgo_cli.render.otel_spans import otel_requested

    terminal = sys.stderr.isatty()
    mode = progress_mode(progress, quiet=quiet, terminal=terminal)
    sink = EventSink(
        events_out=events,
        progress=mode == "live",
        stream_tokens=stream,
        quiet=quiet,
        force_terminal=mode == "live" and not terminal,
    )
    extra: list[Callable[[Event], None]] = []
    if mode == "plain":
        extra.append(PlainProgress(sys.stderr))
    if otel_requested(otel):
        from aixgo_cli.render.otel_spans import OtelSpans

        extra.append(OtelSpans())
    # The live status area draws through the line renderer's console (None without a TTY or with --quiet),
    # so the lines it prints appear above the area instead of through it.
    run_events = RunEvents(sink, *extra, console=getattr(sink, "_console", None))
    RETRIES.target = run_events
    return run_events  # type: ignore[return-value]  # the same interface: a callable with summary()


@contextmanager
def providers_loading(*, quiet: bool) -> Iterator[None]:
    """A status line on a terminal while the model client is built: importing LiteLLM (done there, before
    the run's clock starts) takes seconds, and a silent terminal reads as a hang."""
    if quiet or not sys.stderr.isatty():
        yield
        return
    from rich.console import Console

    from aixgo_cli.render.style import color_enabled

    console = Console(file=sys.stderr, no_color=not color_enabled(sys.stderr))
    with console.status("loading providers (LiteLLM)...", spinner="dots"):
        yield


@contextmanager
def interrupts_as_keyboard_interrupt() -> Iterator[None]:
    """SIGTERM behaves like Ctrl-C: the engine records the run as interrupted and exits 130."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def announce(run_id: str, *, resumed: bool, quiet: bool) -> None:
    verb = "resuming" if resumed else "started"
    if not quiet:
        sys.stderr.write(f"aixgo: run {run_id} {verb}\n")
    sys.stderr.flush()


def finish(
    outcome: RunOutcome, *, json_out: bool, quiet: bool, replayed: Path | None, result_to_stdout: bool = True
) -> int:
    """Print the result and return the exit code (the error, if any, is printed by the caller).

    The run's status is final before anything is printed: a stdout that went away (`| head`) or cannot
    encode the result changes what is shown, never how the run ended or its exit code.
    """
    spent = outcome.spent
    written = True
    if json_out:
        payload = {
            "run_id": outcome.run_id,
            "status": outcome.status,
            "result": None,  # written in its place below, item by item when the journal holds a list
            "error": redact(outcome.error.message) if outcome.error else None,
            "usage": {
                "steps": spent.steps,
                "cached_steps": spent.cached_steps,
                "prompt_tokens": spent.prompt_tokens,
                "completion_tokens": spent.completion_tokens,
                "cost_usd": round(spent.cost_usd, 8),
                "cost_unknown_models": sorted(spent.unknown_cost_models),
                "tokens_estimated_models": sorted(spent.estimated_token_models),
            },
            "replayed_from": str(replayed) if replayed else None,
        }
        written = write_stdout(_json_outcome(payload, outcome))
    elif result_to_stdout and outcome.status == "completed" and not outcome.wrote_stdout:
        written = write_stdout(as_text(line) + "\n" for line in outcome.result_lines())
    if not quiet:
        cost = f", ${spent.cost_usd:.4f}" if spent.cost_usd else ""
        unknown = (
            f" (cost unknown for {', '.join(sorted(spent.unknown_cost_models))}: counted as $0)"
            if spent.unknown_cost_models
            else ""
        )
        cached = f", {spent.cached_steps} from the journal" if spent.cached_steps else ""
        if spent.estimated_token_models:
            unknown += f" (token counts estimated for {', '.join(sorted(spent.estimated_token_models))})"
        sys.stderr.write(
            f"aixgo: run {outcome.run_id} {outcome.status}: {spent.steps} new steps{cached}, "
            f"{spent.tokens} tokens{cost}{unknown}\n"
        )
        if not written:
            sys.stderr.write(
                f"aixgo: stdout was closed before the whole result was written; "
                f"see it with: aixgo runs show {outcome.run_id} --json\n"
            )
    return int(run_exit_code(outcome))


def write_stdout(lines: Iterable[str]) -> bool:
    """Write `lines` on stdout (line by line, so a closed pipe is noticed early) and flush; False when
    its reader has gone (`| head`), after which stdout points at /dev/null so later writes and the
    interpreter's final flush stay quiet."""
    try:
        for line in lines:
            sys.stdout.write(line)
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()
        return False
    return True


def silence_stdout() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass  # not a real file (a test's capture): nothing will flush into a closed pipe
    finally:
        os.close(devnull)


def _json_outcome(payload: dict[str, Any], outcome: RunOutcome) -> Iterator[str]:
    """The outcome as one JSON line, in pieces: the result goes in where `payload` has None for it, a
    list item by item (a fan-out's list is read from the journal a page at a time, never held whole)."""
    head, _, tail = _json_for_stdout(payload).partition('"result": null')
    yield head + '"result": '
    value = outcome.value
    if isinstance(value, StoredResult):
        yield "["
        for index, item in enumerate(value):
            yield (", " if index else "") + _json_for_stdout(item)
        yield "]"
    else:
        yield _json_for_stdout(value)
    yield tail + "\n"


def _json_for_stdout(value: Any) -> str:
    """JSON text; escaped to ASCII when stdout's encoding cannot carry it (it stays valid JSON)."""
    text = json.dumps(value, ensure_ascii=False)
    try:
        text.encode(sys.stdout.encoding or "utf-8")
    except (UnicodeEncodeError, LookupError):
        return json.dumps(value, ensure_ascii=True)
    return text


def auto_replay_notice_for(*, quiet: bool) -> Callable[[list[str], Path], None]:
    """The notice that a cassette replaces a missing key; --quiet keeps it off stderr."""
    return (lambda missing, cassette: None) if quiet else auto_replay_notice


def auto_replay_notice(missing: list[str], cassette: Path) -> None:
    sys.stderr.write(
        f"aixgo: {', '.join(missing)} not set: replaying the recorded cassette {cassette} "
        f"(set the key, e.g. `aixgo secrets set {missing[0]}`, to call the provider)\n"
    )


def drive(
    runner: Runner,
    go: Callable[[Runner], RunOutcome],
    *,
    resumed: bool,
    json_out: bool,
    quiet: bool,
    replayed: Path | None,
    result_to_stdout: bool = True,
) -> int:
    """Run or resume under the signal handlers, print the outcome, and return the exit code."""
    runner.announced = lambda run_id: announce(run_id, resumed=resumed, quiet=quiet)
    with interrupts_as_keyboard_interrupt():
        outcome = go(runner)
    return finish(outcome, json_out=json_out, quiet=quiet, replayed=replayed, result_to_stdout=result_to_stdout)


def hard_exit_if_threads_linger(code: int) -> None:
    """After an interruption, worker threads may sit in a model call; the journal is already final, so
    leave without joining them (the interpreter would otherwise wait for their calls to time out)."""
    import threading

    from aixgo_cli.cli.leaving import flush_and_exit

    if code == ExitCode.INTERRUPTED and threading.active_count() > 1:
        flush_and_exit(code)
