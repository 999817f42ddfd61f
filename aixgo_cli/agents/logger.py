"""logger: writes each item it receives to stdout, stderr or a file, as text or JSON lines.

Its output is its input, so a logger can sit in the middle of a graph. Because it is a journaled unit,
a resumed run does not write an item twice.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

from aixgo_cli.agents.base import Invocation, as_text
from aixgo_cli.errors import RunInterrupted, resume_step
from aixgo_cli.secrets.redaction import redact

_write_lock = threading.Lock()


def prepare_file_sinks(paths_to_replace: list[Path]) -> None:
    """Empty the files of loggers that replace their file. Called once when a run starts, never on
    resume, so that lines written before an interruption are kept."""
    for path in paths_to_replace:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("", encoding="utf-8")


def log_item(invocation: Invocation) -> Any:
    config = invocation.spec.config
    value = invocation.payload
    sink = _write(config, _line(config, value, invocation.lane_item), invocation.stdout_reserved)
    invocation.wrote_stdout = sink == "stdout"
    return value


def rewrite_stdout_line(config: Mapping[str, Any], value: Any, lane_item: Any, stdout_reserved: bool) -> bool:
    """Write again the line a stdout logger wrote for an item before the run was resumed (its output is
    its input, so the journaled output is the value). True if a line went to stdout."""
    if config.get("sink", "stdout") != "stdout" or stdout_reserved:
        return False
    return _write(config, _line(config, value, lane_item), stdout_reserved=False) == "stdout"


def _line(config: Mapping[str, Any], value: Any, lane_item: Any) -> str:
    fmt = config.get("format", "text")
    if fmt == "jsonl" and config.get("with_item"):
        record = {"item": _jsonable(lane_item), "result": _jsonable(value)}
        return json.dumps(record, ensure_ascii=False)
    if fmt == "jsonl":
        return json.dumps(_jsonable(value), ensure_ascii=False)
    return str(config.get("prefix", "")) + as_text(value).replace("\r\n", "\n")


def _write(config: Mapping[str, Any], line: str, stdout_reserved: bool) -> str:
    """Write one line to the logger's sink; returns the sink used."""
    sink = str(config.get("sink", "stdout"))
    if sink == "stdout" and stdout_reserved:
        sink = "stderr"  # `--json` promises one JSON object on stdout and nothing else
    line = redact(line)  # a file sink is not behind the CLI's filtered streams
    with _write_lock:
        if sink == "file":
            path = Path(str(config["path"]))
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as handle:
                handle.write(line + "\n")
        else:
            stream: TextIO = sys.stderr if sink == "stderr" else sys.stdout
            try:
                stream.write(line + "\n")
                stream.flush()
            except BrokenPipeError:
                # `aixgo run ... | head`: the reader went away. Stop like an interruption, so the run can
                # be resumed (this line is written again then), rather than failing the step.
                raise RunInterrupted(
                    "the output pipe was closed by its reader",
                    hint="continue with:",
                    next_step=resume_step(),
                ) from None
    return sink


def _jsonable(value: Any) -> Any:
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            return value
        return parsed if isinstance(parsed, (dict, list)) else value
    return value
