"""What a pattern may do: run one member (an agent or a nested flow), or many at once.

Places name where a unit sits so that its journal key is stable: `<parent place>/<index>:<member>`. A
pattern must derive every place from its flow's structure, never from timing, so that a resumed run
finds the same keys.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from aixgo_cli.config.model import FlowSpec


@dataclass(frozen=True)
class Outcome:
    member: str
    value: Any = None
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class Members(Protocol):
    def run(self, name: str, payload: Any, place: str, seen: Mapping[str, Any]) -> Any:
        """Run one member. `seen` holds the outputs finished before it, for `{{ outputs.NAME }}`."""
        ...

    def run_many(
        self, calls: Sequence[tuple[str, Any, str]], limit: int, seen: Mapping[str, Any], *, fail_fast: bool
    ) -> list[Outcome]:
        """Run (member, payload, place) calls concurrently, at most `limit` at once; results in call order."""
        ...


Pattern = Callable[[FlowSpec, Any, str, Members, Mapping[str, Any]], Any]


def member_place(place: str, index: int, member: str) -> str:
    return f"{place}/{index}:{member}"
