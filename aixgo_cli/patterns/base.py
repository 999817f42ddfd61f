"""What a pattern is and what it may do: run one member (an agent or a nested flow), or many at once.

A pattern is a `PatternDef`: `read`, which turns the block's `config:` mapping into the pattern's own
frozen config (once, when the run starts), and `run`, a plain function

    run(flow: Flow[Config], payload, place: str, members: Members, seen: Mapping[str, Any]) -> result

that sees its flow and a `Members` runner and nothing else: no journal, no threads, no raw YAML. Every
model decision a pattern acts on (a route label, a hand-off, a score, a plan) is the output of a member,
so it is an ordinary journaled unit: a resumed run replays it instead of asking again.

Places name where a unit sits so that its journal key is stable: `<parent place>/<label>:<member>`. A
pattern must derive every label from its flow's structure (member index, loop round, plan step), never
from timing, so that a resumed run finds the same keys.

Adding a pattern: one module exporting a `PatternDef`, and one line in `registry.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from aixgo_cli.errors import RunError, resume_step

C = TypeVar("C")


@dataclass(frozen=True)
class Outcome:
    member: str
    value: Any = None
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class Call:
    """One member call for `Members.run_many`, with what `Members.run` takes as keywords."""

    member: str
    payload: Any
    place: str
    sources: Mapping[str, Any] | None = None
    instructions: str | None = None


class Members(Protocol):
    def run(
        self,
        name: str,
        payload: Any,
        place: str,
        seen: Mapping[str, Any],
        *,
        sources: Mapping[str, Any] | None = None,
        instructions: str | None = None,
    ) -> Any:
        """Run one member. `seen` holds the outputs finished before it, for `{{ outputs.NAME }}`.
        `sources` hands several named results to a member that combines them (an aggregator reads each
        one); `instructions` are added to the system message of every model call the member makes (how
        to name a hand-off, which agents a plan may use). Both are part of the unit's key."""
        ...

    def run_many(self, calls: Sequence[Call], limit: int, seen: Mapping[str, Any], *, fail_fast: bool) -> list[Outcome]:
        """Run calls concurrently, at most `limit` at once; outcomes in call order."""
        ...

    def describe(self, name: str) -> str:
        """One line saying what a member does (its description, else its role or pattern)."""
        ...


@dataclass(frozen=True)
class Flow(Generic[C]):
    """An orchestration block as a pattern sees it: its name, its listed members and its typed config."""

    name: str
    pattern: str
    members: tuple[str, ...]
    config: C


@dataclass(frozen=True)
class PatternDef(Generic[C]):
    read: Callable[[Mapping[str, Any]], C]
    run: Callable[[Flow[C], Any, str, Members, Mapping[str, Any]], Any]


def member_place(place: str, index: int | str, member: str) -> str:
    return f"{place}/{index}:{member}"


def step_failed(flow: Flow[Any], message: str, hint: str) -> RunError:
    """A decision the flow cannot act on: exit 1, and the run can be resumed once the cause is fixed
    (the decision itself is journaled, so a resume after editing the workflow does not ask again)."""
    return RunError(f"flow '{flow.name}' ({flow.pattern}): {message}", hint=f"{hint}; then:", next_step=resume_step())


def first_error(outcomes: Sequence[Outcome]) -> BaseException:
    for outcome in outcomes:
        if outcome.error is not None:
            return outcome.error
    raise AssertionError("no failed outcome")
