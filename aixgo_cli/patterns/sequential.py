"""sequential: each member's output is the next member's input; the last output is the result.

`error_strategy: continue` passes a failed member's error text on as the next input instead of stopping.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aixgo_cli.errors import RunError, RunInterrupted, RunPaused
from aixgo_cli.patterns.base import Flow, Members, PatternDef, member_place


@dataclass(frozen=True)
class SequentialConfig:
    keep_going: bool = False

    @classmethod
    def read(cls, raw: Mapping[str, Any]) -> SequentialConfig:
        return cls(keep_going=raw.get("error_strategy", "stop") == "continue")


def run_sequential(
    flow: Flow[SequentialConfig], payload: Any, place: str, members: Members, seen: Mapping[str, Any]
) -> Any:
    value = payload
    outputs = dict(seen)
    for index, member in enumerate(flow.members):
        try:
            value = members.run(member, value, member_place(place, index, member), outputs)
        except RunError as exc:
            if not flow.config.keep_going or isinstance(exc, (RunPaused, RunInterrupted)):  # not a member failure
                raise
            value = f"error from {member}: {exc.message}"
        outputs[member] = value
    return value


SEQUENTIAL = PatternDef(SequentialConfig.read, run_sequential)
