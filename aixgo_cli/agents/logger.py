"""logger: writes each item it receives to stdout, stderr or a file, as text or JSON lines.

It writes through the invocation's output sink, which decides where a line meant for stdout really
goes (the CLI sends it to stderr under `--json`; a served run collects it).

Its output is its input, so a logger can sit in the middle of a graph. Because it is a journaled unit,
a resumed run does not write an item twice.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aixgo_cli.agents.base import Invocation, as_text
from aixgo_cli.agents.output import Channel, OutputSink
from aixgo_cli.errors import RunInterrupted, resume_step
from aixgo_cli.secrets.redaction import redact


def prepare_file_sinks(paths_to_replace: list[Path]) -> None:
    """Empty the files of loggers that replace their file. Called once when a run starts, never on
    resume, so that lines written before an interruption are kept."""
    for path in paths_to_replace:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("", encoding="utf-8")


def log_item(invocation: Invocation) -> Any:
    config = invocation.spec.config
    value = invocation.payload
    channel = _write(invocation.output, config, _line(config, value, invocation.lane_item))
    invocation.wrote_stdout = channel == "stdout"
    return value


def rewrite_stdout_line(config: Mapping[str, Any], value: Any, lane_item: Any, output: OutputSink) -> bool:
    """Write again the line a stdout logger wrote for an item before the run was resumed (its output is
    its input, so the journaled output is the value). True if a line went to stdout. A line the sink
    sends elsewhere is not written again: it was a side channel, not part of the result."""
    if config.get("sink", "stdout") != "stdout" or output.route("stdout") != "stdout":
        return False
    return _write(output, config, _line(config, value, lane_item)) == "stdout"


def _line(config: Mapping[str, Any], value: Any, lane_item: Any) -> str:
    fmt = config.get("format", "text")
    if fmt == "jsonl" and config.get("with_item"):
        record = {"item": _jsonable(lane_item), "result": _jsonable(value)}
        return json.dumps(record, ensure_ascii=False)
    if fmt == "jsonl":
        return json.dumps(_jsonable(value), ensure_ascii=False)
    return str(config.get("prefix", "")) + as_text(value).replace("\r\n", "\n")


def _write(output: OutputSink, config: Mapping[str, Any], line: str) -> Channel:
    """Write one line to the logger's sink; returns the channel it went to."""
    wanted = str(config.get("sink", "stdout"))
    channel: Channel = "file" if wanted == "file" else "stderr" if wanted == "stderr" else "stdout"
    path = Path(str(config["path"])) if channel == "file" else None
    try:
        # Redacted here, not only by the CLI's filtered streams: a file or a collecting sink is not
        # behind them.
        return output.write(channel, redact(line), path=path)
    except BrokenPipeError:
        # `aixgo run ... | head`: the reader went away. Stop like an interruption, so the run can be
        # resumed (this line is written again then), rather than failing the step.
        raise RunInterrupted(
            "the output pipe was closed by its reader",
            hint="continue with:",
            next_step=resume_step(),
        ) from None


def _jsonable(value: Any) -> Any:
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            return value
        return parsed if isinstance(parsed, (dict, list)) else value
    return value
