"""The output sink: loggers write through the invocation's sink, and the host of the run decides where
their lines go. A collecting sink keeps them; nothing reaches the process's stdout or stderr."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from tests.engine.engine_helpers import Harness

from aixgo_cli.agents.output import CollectedOutput, OutputLine, StreamOutput
from aixgo_cli.engine.runner import RunParams
from aixgo_cli.errors import RunInterrupted
from aixgo_cli.testing.fake_client import ScriptedClient

LOGGERS = """\
version: 1
name: loggers
agents:
  - name: reader
    role: producer
    producer_config:
      source: items
      items: ["alpha", "beta"]
    outputs: [out, err, keep]
  - name: out
    role: logger
    logger_config: {sink: stdout, prefix: "out: "}
  - name: err
    role: logger
    logger_config: {sink: stderr, prefix: "err: "}
  - name: keep
    role: logger
    logger_config: {sink: file, path: "@ROOT@/kept.txt", prefix: "file: "}
"""


def test_a_collecting_sink_keeps_every_line_and_nothing_reaches_the_process_streams(
    engine: Harness, capfd: pytest.CaptureFixture[str]
) -> None:
    engine.write(LOGGERS)
    output = CollectedOutput()
    outcome = engine.start(ScriptedClient(rules=[]), RunParams(concurrency=1), output=output)
    assert outcome.status == "completed"
    assert sorted(output.text("stdout").splitlines()) == ["out: alpha", "out: beta"]
    assert sorted(output.text("stderr").splitlines()) == ["err: alpha", "err: beta"]
    assert all(line.channel != "file" for line in output.lines)
    assert sorted((engine.root / "kept.txt").read_text(encoding="utf-8").splitlines()) == ["file: alpha", "file: beta"]
    assert outcome.wrote_stdout  # the CLI would not print the result again
    captured = capfd.readouterr()
    assert "alpha" not in captured.out and "alpha" not in captured.err


def test_a_runner_without_a_sink_collects_rather_than_writing_to_stdout(
    engine: Harness, capfd: pytest.CaptureFixture[str]
) -> None:
    engine.write(LOGGERS)
    runner = engine.runner(ScriptedClient(rules=[]))
    assert runner.start(engine.load(), RunParams(concurrency=1)).status == "completed"
    assert isinstance(runner.output, CollectedOutput)
    assert sorted(runner.output.text("stdout").splitlines()) == ["out: alpha", "out: beta"]
    assert "out: alpha" not in capfd.readouterr().out


def test_a_stream_sink_writes_where_it_is_told_and_moves_stdout_lines_when_stdout_is_reserved(
    engine: Harness,
) -> None:
    engine.write(LOGGERS)
    free_out, free_err = io.StringIO(), io.StringIO()
    free = StreamOutput(lambda: free_out, lambda: free_err)
    engine.start(ScriptedClient(rules=[]), RunParams(concurrency=1), output=free)
    assert sorted(free_out.getvalue().splitlines()) == ["out: alpha", "out: beta"]
    assert sorted(free_err.getvalue().splitlines()) == ["err: alpha", "err: beta"]

    reserved_out, reserved_err = io.StringIO(), io.StringIO()
    reserved = StreamOutput(lambda: reserved_out, lambda: reserved_err, stdout_reserved=True)
    outcome = engine.start(ScriptedClient(rules=[]), RunParams(concurrency=1), output=reserved)
    assert reserved_out.getvalue() == ""  # `--json`: stdout holds the JSON object only
    assert sorted(reserved_err.getvalue().splitlines()) == ["err: alpha", "err: beta", "out: alpha", "out: beta"]
    assert not outcome.wrote_stdout  # so the result is still printed (in the JSON object)


def test_a_resume_writes_stdout_lines_again_through_the_sink_but_not_lines_it_moved(engine: Harness) -> None:
    engine.write(LOGGERS)
    first = engine.start(ScriptedClient(rules=[]), RunParams(concurrency=1))
    resumed = CollectedOutput()
    again = engine.resume(first.run_id, ScriptedClient(rules=[]), runner_options={"output": resumed})
    assert again.status == "completed"
    # Finished items are replayed from the journal: their stdout lines are written again (so `run > out;
    # resume > out` loses nothing); stderr lines are a side channel and are not.
    assert sorted(resumed.lines, key=lambda line: line.text) == [
        OutputLine("stdout", "out: alpha"),
        OutputLine("stdout", "out: beta"),
    ]

    moved_out, moved_err = io.StringIO(), io.StringIO()
    moved = StreamOutput(lambda: moved_out, lambda: moved_err, stdout_reserved=True)
    engine.resume(first.run_id, ScriptedClient(rules=[]), runner_options={"output": moved})
    assert moved_out.getvalue() == moved_err.getvalue() == ""


def test_a_closed_pipe_interrupts_the_run_so_it_can_be_resumed(engine: Harness, tmp_path: Path) -> None:
    class ClosedPipe(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError

    engine.write(LOGGERS)
    closed = StreamOutput(ClosedPipe, io.StringIO)
    outcome = engine.start(ScriptedClient(rules=[]), RunParams(concurrency=1), output=closed)
    assert outcome.status == "interrupted"
    assert isinstance(outcome.error, RunInterrupted)
    assert "the output pipe was closed by its reader" in outcome.error.message
    assert outcome.error.next_step is not None and outcome.error.next_step.command == "resume"
