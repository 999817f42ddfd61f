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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

from aixgo_cli.agents.base import as_text
from aixgo_cli.engine.runner import Runner, RunOutcome
from aixgo_cli.errors import ExitCode, UserError
from aixgo_cli.render.live_status import RetryRelay, RunEvents
from aixgo_cli.render.progress import EventSink
from aixgo_cli.secrets.redaction import redact


def read_input(spec: str | None, stdin: Callable[[], str]) -> Any:
    """`--input TEXT`, `@FILE` or `-` (stdin)."""
    if spec is None:
        return None
    if spec == "-":
        return stdin()
    if spec.startswith("@"):
        path = Path(spec[1:])
        try:
            return path.read_text(encoding="utf-8")
        except OSError as exc:
            raise UserError(
                f"--input {spec}: cannot read {path}: {exc.strerror}",
                hint="give a readable file after @, or the text itself",
            ) from None
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
                self._text = sys.stdin.read()
        return self._text


def open_events(target: str | None) -> TextIO | None:
    if target is None:
        return None
    if target == "-":
        return sys.stdout
    try:
        return Path(target).open("a", encoding="utf-8")
    except OSError as exc:
        raise UserError(f"--events {target}: {exc.strerror}", hint="give a writable path, or - for stdout") from None


RETRIES = RetryRelay()  # the model client is built before the sink; retries reach the sink through it


def make_sink(events: TextIO | None, *, quiet: bool, stream: bool, otel: bool = False) -> EventSink:
    from aixgo_cli.render.otel_spans import otel_requested

    sink = EventSink(events_out=events, progress=sys.stderr.isatty(), stream_tokens=stream, quiet=quiet)
    extra = []
    if otel_requested(otel):
        from aixgo_cli.render.otel_spans import OtelSpans

        extra.append(OtelSpans())
    # The live status area draws through the line renderer's console (None without a TTY or with --quiet),
    # so the lines it prints appear above the area instead of through it.
    run_events = RunEvents(sink, *extra, console=getattr(sink, "_console", None))
    RETRIES.target = run_events
    return run_events  # type: ignore[return-value]  # the same interface: a callable with summary()


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


def finish(outcome: RunOutcome, *, json_out: bool, quiet: bool, replayed: Path | None) -> int:
    """Print the result and return the exit code (the error, if any, is printed by the caller)."""
    spent = outcome.spent
    if json_out:
        payload = {
            "run_id": outcome.run_id,
            "status": outcome.status,
            "result": outcome.result,
            "error": redact(outcome.error.message) if outcome.error else None,
            "usage": {
                "steps": spent.steps,
                "cached_steps": spent.cached_steps,
                "prompt_tokens": spent.prompt_tokens,
                "completion_tokens": spent.completion_tokens,
                "cost_usd": round(spent.cost_usd, 8),
                "cost_unknown_models": sorted(spent.unknown_cost_models),
            },
            "replayed_from": str(replayed) if replayed else None,
        }
        sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
    elif outcome.status == "completed" and not outcome.wrote_stdout:
        result = outcome.result
        lines = result if isinstance(result, list) else [result]
        for line in lines:
            sys.stdout.write(as_text(line) + "\n")
    sys.stdout.flush()
    if not quiet:
        cost = f", ${spent.cost_usd:.4f}" if spent.cost_usd else ""
        unknown = (
            f" (cost unknown for {', '.join(sorted(spent.unknown_cost_models))}: counted as $0)"
            if spent.unknown_cost_models
            else ""
        )
        cached = f", {spent.cached_steps} from the journal" if spent.cached_steps else ""
        sys.stderr.write(
            f"aixgo: run {outcome.run_id} {outcome.status}: {spent.steps} new steps{cached}, "
            f"{spent.tokens} tokens{cost}{unknown}\n"
        )
    if outcome.status == "completed":
        return int(ExitCode.OK)
    if outcome.status == "paused":
        return int(ExitCode.PAUSED_BUDGET)
    if outcome.status == "waiting":
        return int(ExitCode.PAUSED_HUMAN)
    if outcome.status == "interrupted":
        return int(ExitCode.INTERRUPTED)
    return int(outcome.error.exit_code) if outcome.error else int(ExitCode.STEP_FAILED)


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
) -> int:
    """Run or resume under the signal handlers, print the outcome, and return the exit code."""
    runner.announced = lambda run_id: announce(run_id, resumed=resumed, quiet=quiet)
    with interrupts_as_keyboard_interrupt():
        outcome = go(runner)
    return finish(outcome, json_out=json_out, quiet=quiet, replayed=replayed)


def hard_exit_if_threads_linger(code: int) -> None:
    """After an interruption, worker threads may sit in a model call; the journal is already final, so
    leave without joining them (the interpreter would otherwise wait for their calls to time out)."""
    import threading

    if code == ExitCode.INTERRUPTED and threading.active_count() > 1:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
