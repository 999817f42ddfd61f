"""Where the lines an agent writes out go: the output sink on an `Invocation`.

An agent names the channel it means (`stdout`, `stderr` or a file) and the sink decides where the line
really goes. The host of a run chooses the sink: the CLI writes to its streams and sends stdout lines
to stderr when stdout carries a machine-readable stream (`--json`, `--events -`); a run hosted by a
server collects the lines instead. So no agent touches `sys.stdout`, and one process can host many
runs without their lines mixing on its terminal.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol, TextIO

Channel = Literal["stdout", "stderr", "file"]


class OutputSink(Protocol):
    def route(self, channel: Channel) -> Channel:
        """Where a line meant for `channel` goes (a sink may send stdout lines to stderr)."""
        ...

    def write(self, channel: Channel, line: str, *, path: Path | None = None) -> Channel:
        """Write one line (without its newline) meant for `channel` (`path` for a file); return the
        channel it went to. A closed pipe raises BrokenPipeError."""
        ...


def append_line(path: Path, line: str) -> None:
    """Append one line to a file, making its directory: a file channel is the same for every sink."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")


class StreamOutput:
    """Writes to text streams, looked up at each write (the host may swap them, e.g. to a filtered
    stream or /dev/null after its reader went away). With `stdout_reserved`, stdout lines go to
    stderr: stdout then holds one JSON object or the event stream and nothing else."""

    def __init__(
        self, stdout: Callable[[], TextIO], stderr: Callable[[], TextIO], *, stdout_reserved: bool = False
    ) -> None:
        self._streams = {"stdout": stdout, "stderr": stderr}
        self.stdout_reserved = stdout_reserved
        self._lock = threading.Lock()  # lines of parallel lanes never interleave

    def route(self, channel: Channel) -> Channel:
        return "stderr" if channel == "stdout" and self.stdout_reserved else channel

    def write(self, channel: Channel, line: str, *, path: Path | None = None) -> Channel:
        routed = self.route(channel)
        with self._lock:
            if routed == "file":
                assert path is not None, "a file line needs its path"
                append_line(path, line)
            else:
                stream = self._streams[routed]()
                stream.write(line + "\n")
                stream.flush()
        return routed


@dataclass(frozen=True)
class OutputLine:
    channel: Channel
    text: str


@dataclass
class CollectedOutput:
    """Keeps the stdout and stderr lines in memory, in order, for a host that shows them its own way
    (a served run returns them with its result). File lines still go to their file: the workflow
    names that file as the place of its output."""

    lines: list[OutputLine] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def route(self, channel: Channel) -> Channel:
        return channel

    def write(self, channel: Channel, line: str, *, path: Path | None = None) -> Channel:
        with self._lock:
            if channel == "file":
                assert path is not None, "a file line needs its path"
                append_line(path, line)
            else:
                self.lines.append(OutputLine(channel, line))
        return channel

    def text(self, channel: Channel = "stdout") -> str:
        """The lines written to `channel`, each ending in a newline."""
        return "".join(line.text + "\n" for line in self.lines if line.channel == channel)
