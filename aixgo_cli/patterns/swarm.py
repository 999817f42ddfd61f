"""swarm: agents pass the conversation to each other until one answers.

The input goes to `entry` (default: the first member). A member hands off by starting its reply with
`HANDOFF: <member>` (or answering JSON with `handoff_to`); the rest of its reply is what the next member
receives (the previous input when the rest is empty). Any other reply is the answer. Each member is told
who it may hand off to (instructions added to its system message).

Bounds and edge cases: at most `max_handoffs` hand-offs. A member that hands off once more stops the
loop there (stop_reason `max_handoffs`), and its reply is the output. A hand-off to a name that is not a
member of the swarm fails the step (exit 1), naming the members.

Result: `{"output": the answer (or the last reply), "agent": who gave it, "path": [members in turn
order], "handoffs": n, "stop_reason": "answered" | "max_handoffs"}`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aixgo_cli.patterns.base import Flow, Members, PatternDef, member_place, step_failed
from aixgo_cli.patterns.reading import json_of, match_name, text_of

_HANDOFF = re.compile(r"^[\s*_`#>]*handoff[\s*_`]*:[\s*_`]*([^\s:,.*`]+)[\s:,.*`]*(.*)$", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class SwarmConfig:
    entry: str | None
    max_handoffs: int

    @classmethod
    def read(cls, raw: Mapping[str, Any]) -> SwarmConfig:
        return cls(raw.get("entry"), int(raw.get("max_handoffs", 10)))


def handoff_of(answer: Any) -> tuple[str, str] | None:
    """(target as written, message) when the answer hands off, else None."""
    data = json_of(answer)
    if isinstance(data, Mapping) and isinstance(data.get("handoff_to"), str):
        return data["handoff_to"], text_of(data.get("message", ""))
    found = _HANDOFF.match(text_of(answer).strip())
    if found is None:
        return None
    return found.group(1), found.group(2).strip()


def run_swarm(flow: Flow[SwarmConfig], payload: Any, place: str, members: Members, seen: Mapping[str, Any]) -> Any:
    config = flow.config
    current = config.entry or flow.members[0]
    path = [current]
    message = payload
    for turn in range(config.max_handoffs + 1):
        others = [m for m in flow.members if m != current]
        instructions = _instructions(others, members)
        answer = members.run(current, message, member_place(place, turn, current), seen, instructions=instructions)
        handoff = handoff_of(answer)
        if handoff is None:
            return _result(answer, current, path, turn, "answered")
        written, note = handoff
        target = match_name(written, flow.members)
        if target is None:
            raise step_failed(
                flow,
                f"'{current}' handed off to '{written}', which is not a member of the swarm "
                f"(members: {', '.join(flow.members)})",
                "add it to the swarm's agents, or make the prompt name a member",
            )
        if turn == config.max_handoffs:
            return _result(answer, current, path, turn, "max_handoffs")
        current = target
        path.append(target)
        message = note or message
    raise AssertionError("unreachable: the last turn returns")


def _result(output: Any, agent: str, path: list[str], handoffs: int, stop_reason: str) -> dict[str, Any]:
    return {"output": output, "agent": agent, "path": path, "handoffs": handoffs, "stop_reason": stop_reason}


def _instructions(others: list[str], members: Members) -> str:
    if not others:
        return "Answer the request yourself."
    listing = "\n".join(f"- {name}: {members.describe(name)}" for name in others)
    return (
        "You work in a team. If another member is better placed to answer, reply with a first line "
        "`HANDOFF: <name>` followed by what they need to know; otherwise reply with your answer.\n"
        f"Members you can hand off to:\n{listing}"
    )


SWARM = PatternDef(SwarmConfig.read, run_swarm)
