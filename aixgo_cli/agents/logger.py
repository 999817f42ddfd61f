"""logger: writes each item it receives to stdout, stderr or a file, as text or JSON lines.

Its output is its input, so a logger can sit in the middle of a graph. Because it is a journaled unit,
a resumed run does not write an item twice.
"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path
from typing import Any, TextIO

from aixgo_cli.agents.base import Invocation, as_text
from aixgo_cli.errors import RunInterrupted
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
    sink = config.get("sink", "stdout")
    if sink == "stdout" and invocation.extras.get("stdout_reserved"):
        sink = "stderr"  # `--json` promises one JSON object on stdout and nothing else
    fmt = config.get("format", "text")
    value = invocation.payload
    if fmt == "jsonl" and config.get("with_item"):
        record = {"item": _jsonable(invocation.extras.get("lane_item")), "result": _jsonable(value)}
        line = json.dumps(record, ensure_ascii=False)
    elif fmt == "jsonl":
        line = json.dumps(_jsonable(value), ensure_ascii=False)
    else:
        line = str(config.get("prefix", "")) + as_text(value).replace("\r\n", "\n")
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
                    hint="continue with: aixgo resume RUN_ID",
                ) from None
    invocation.extras["wrote_stdout"] = sink == "stdout"
    return value


def _jsonable(value: Any) -> Any:
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            return value
        return parsed if isinstance(parsed, (dict, list)) else value
    return value
