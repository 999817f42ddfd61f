"""supervisor: a supervisor chooses which member works next, round after round, up to `max_rounds`.

`routing_strategy`:

* `best_match` (the default when there is a supervisor agent): each round the supervisor gets the task
  and the work so far and answers with the next member's name, or `DONE` when the work answers the task;
* `round_robin` (the default without one): members take turns in list order, cycling, for `max_rounds`
  rounds;
* `manual`: the input names the member: `@member the request`; that member answers, once.

Every worker gets the task and, after the first round, the work so far. The supervisor is
`config.supervisor`, else the top-level `supervisor:` block (whose `model` makes it an agent of its own);
`max_rounds` and `routing_strategy` fall back to that block too.

Edge cases: a `best_match` reply naming no member, `DONE` before any member worked, a `manual` input
without `@member` or naming a non-member: each fails the step (exit 1) with the members listed. Reaching
`max_rounds` is not a failure: stop_reason `max_rounds`, and the last answer is the output.

Result: `{"output": the last answer, "rounds": n, "stop_reason": "done" | "max_rounds" | "manual",
"transcript": [{"round", "agent", "output"}]}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aixgo_cli.patterns.base import Flow, Members, PatternDef, member_place, step_failed
from aixgo_cli.patterns.reading import label_of, match_name, text_of

_DONE = {"done", "finish", "finished", "complete", "stop"}


@dataclass(frozen=True)
class SupervisorConfig:
    supervisor: str | None
    strategy: str
    max_rounds: int

    @classmethod
    def read(cls, raw: Mapping[str, Any]) -> SupervisorConfig:
        supervisor = raw.get("supervisor")
        strategy = raw.get("routing_strategy") or ("best_match" if supervisor else "round_robin")
        return cls(supervisor, str(strategy), int(raw.get("max_rounds", 10)))


def run_supervisor(
    flow: Flow[SupervisorConfig], payload: Any, place: str, members: Members, seen: Mapping[str, Any]
) -> Any:
    config = flow.config
    task = text_of(payload)
    if config.strategy == "manual":
        return _manual(flow, task, place, members, seen)
    transcript: list[dict[str, Any]] = []
    stop_reason = "max_rounds"
    for round_number in range(1, config.max_rounds + 1):
        if config.strategy == "round_robin":
            worker = flow.members[(round_number - 1) % len(flow.members)]
        else:
            chosen = _choose(flow, task, transcript, round_number, place, members, seen)
            if chosen is None:
                stop_reason = "done"
                break
            worker = chosen
        request = payload if not transcript else _with_work(task, transcript)
        output = members.run(worker, request, member_place(place, f"{round_number}.work", worker), seen)
        transcript.append({"round": round_number, "agent": worker, "output": output})
    return {
        "output": transcript[-1]["output"],
        "rounds": len(transcript),
        "stop_reason": stop_reason,
        "transcript": transcript,
    }


def _choose(
    flow: Flow[SupervisorConfig],
    task: str,
    transcript: list[dict[str, Any]],
    round_number: int,
    place: str,
    members: Members,
    seen: Mapping[str, Any],
) -> str | None:
    supervisor = flow.config.supervisor
    assert supervisor is not None  # validation requires one for best_match
    listing = "\n".join(f"- {name}: {members.describe(name)}" for name in flow.members)
    reply = members.run(
        supervisor,
        _with_work(task, transcript) if transcript else task,
        member_place(place, f"{round_number}.route", supervisor),
        seen,
        instructions=(
            f"You supervise these members:\n{listing}\nReply with only the name of the member who should work "
            "next, or DONE when the work so far fully answers the task."
        ),
    )
    label = label_of(reply, keys=("next", "agent", "member", "answer"))
    if label in _DONE:
        if not transcript:
            raise step_failed(flow, f"the supervisor '{supervisor}' said DONE before any member worked", _HINT)
        return None
    worker = match_name(label, flow.members)
    if worker is None:
        raise step_failed(
            flow,
            f"the supervisor '{supervisor}' answered {text_of(reply)[:120]!r}, which names no member "
            f"(members: {', '.join(flow.members)})",
            _HINT,
        )
    return worker


_HINT = "make the supervisor's prompt list the members and ask for one name"


def _with_work(task: str, transcript: list[dict[str, Any]]) -> str:
    work = "\n\n".join(f"[{t['agent']}]\n{text_of(t['output'])}" for t in transcript)
    return f"Task:\n{task}\n\nWork so far:\n{work}"


def _manual(flow: Flow[SupervisorConfig], task: str, place: str, members: Members, seen: Mapping[str, Any]) -> Any:
    head, _, rest = task.strip().partition(" ")
    worker = match_name(head[1:], flow.members) if head.startswith("@") else None
    if worker is None:
        raise step_failed(
            flow,
            f"manual routing needs an input starting with @member (members: {', '.join(flow.members)})",
            "start the input with the member's name, e.g. --input '@" + flow.members[0] + " ...'",
        )
    output = members.run(worker, rest.strip(), member_place(place, "1.work", worker), seen)
    return {
        "output": output,
        "rounds": 1,
        "stop_reason": "manual",
        "transcript": [{"round": 1, "agent": worker, "output": output}],
    }


SUPERVISOR = PatternDef(SupervisorConfig.read, run_supervisor)
