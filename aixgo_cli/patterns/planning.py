"""planning: a planner writes a plan; each step is carried out by the member it names.

The planner (a planner agent) gets the input and is told which members it may assign (instructions added
to its system message): each step's action starts with the member's name and a colon (`writer: draft the
post`). Steps run one at a time in plan order, at most `max_steps` in all (replans included). A step gets
its action, the original task and the results of the steps it lists as prerequisites.

A step's member is a JSON `agent` field, else the name before the action's first colon, else the only
member the action mentions, else (in a flow with one member) that member. A step fails when its member
fails, or when its action names no member (there is no fallback key: the step fails rather than
guessing). After a failure: `continue_on_error` runs the remaining steps (those that need the failed one
are skipped); else `replan_on_failure` asks the planner for a new plan, showing
what was done and what failed, at most `max_replan_attempts` times (default 2); else the flow fails
(exit 1, resumable).

Result: `{"output": the last completed step's output, "plan": [{"step", "agent", "action"}] (the plan
that ran last), "steps": [{"plan", "step", "agent", "status", "output" | "error"}], "replans": n,
"stop_reason": "completed" | "max_steps" | "failed_steps"}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aixgo_cli.errors import RunError, RunInterrupted, RunPaused
from aixgo_cli.patterns.base import Flow, Members, PatternDef, member_place, step_failed
from aixgo_cli.patterns.reading import json_of, match_name, text_of


@dataclass(frozen=True)
class PlanningConfig:
    planner: str
    max_steps: int = 10
    continue_on_error: bool = False
    replan_on_failure: bool = False
    max_replan_attempts: int = 2

    @classmethod
    def read(cls, raw: Mapping[str, Any]) -> PlanningConfig:
        return cls(
            str(raw["planner"]),
            int(raw.get("max_steps", 10)),
            bool(raw.get("continue_on_error", False)),
            bool(raw.get("replan_on_failure", False)),
            int(raw.get("max_replan_attempts", 2)),
        )


@dataclass(frozen=True)
class Step:
    number: int
    agent: str | None
    written: str  # the name as the planner wrote it
    action: str
    prerequisites: tuple[int, ...]


def steps_of(plan: Any, names: tuple[str, ...]) -> list[Step]:
    """The plan's steps with the member each names: a JSON `agent` field, else the name before the
    action's first colon, else the only member the action mentions, else (in a one-member flow) that
    member."""
    data = json_of(plan)
    raw = data.get("steps") if isinstance(data, Mapping) else data
    steps: list[Step] = []
    for index, entry in enumerate(raw if isinstance(raw, list) else [], 1):
        action = text_of(entry.get("action", "")) if isinstance(entry, Mapping) else text_of(entry)
        prerequisites = entry.get("prerequisites", ()) if isinstance(entry, Mapping) else ()
        named = entry.get("agent") if isinstance(entry, Mapping) and isinstance(entry.get("agent"), str) else None
        written, _, rest = action.partition(":")
        prefixed = match_name(written, names) if rest and len(written) <= 64 else None
        agent = (
            (match_name(named, names) if named else None)
            or prefixed
            or match_name(action, names)
            or (names[0] if len(names) == 1 else None)
        )
        steps.append(
            Step(
                number=int(entry.get("step_number", index)) if isinstance(entry, Mapping) else index,
                agent=agent,
                written=named or (written.strip() if rest else ""),
                action=rest.strip() if prefixed else action.strip(),
                prerequisites=tuple(int(p) for p in prerequisites if isinstance(p, int)),
            )
        )
    return steps


def run_planning(
    flow: Flow[PlanningConfig], payload: Any, place: str, members: Members, seen: Mapping[str, Any]
) -> Any:
    config = flow.config
    task = text_of(payload)
    listing = "\n".join(f"- {name}: {members.describe(name)}" for name in flow.members)
    instructions = (
        f"Each step is carried out by exactly one of these members:\n{listing}\n"
        "Begin every step's action with that member's name and a colon, e.g. "
        f"'{flow.members[0]}: <what to do>'."
    )
    records: list[dict[str, Any]] = []
    executed = 0
    attempt = 1
    request: Any = payload
    stop_reason = "completed"
    while True:
        plan = members.run(
            config.planner,
            request,
            member_place(place, f"plan.{attempt}", config.planner),
            seen,
            instructions=instructions,
        )
        steps = steps_of(plan, flow.members)
        if not steps:
            raise step_failed(flow, f"the planner '{config.planner}' returned no steps", "check the planner's prompt")
        outputs: dict[int, Any] = {}
        failed: set[int] = set()
        failure: str | None = None
        for step in steps:
            if executed >= config.max_steps:
                stop_reason = "max_steps"
                break
            record: dict[str, Any] = {"plan": attempt, "step": step.number, "agent": step.agent}
            if failed & set(step.prerequisites):
                records.append({**record, "status": "skipped", "error": "a prerequisite step failed"})
                failed.add(step.number)
                continue
            try:
                if step.agent is None:
                    raise step_failed(
                        flow,
                        f"step {step.number} names no member ({step.written or step.action[:60]!r}); "
                        f"members: {', '.join(flow.members)}",
                        "make the planner name a member at the start of each action",
                    )
                executed += 1
                output = members.run(
                    step.agent,
                    _step_input(step, task, outputs),
                    member_place(place, f"plan.{attempt}.step.{step.number}", step.agent),
                    seen,
                )
            except (RunPaused, RunInterrupted):
                raise
            except RunError as exc:
                records.append({**record, "status": "failed", "error": exc.message})
                failed.add(step.number)
                if config.continue_on_error:
                    continue
                if config.replan_on_failure and attempt <= config.max_replan_attempts:
                    failure = exc.message
                    break
                raise
            outputs[step.number] = output
            records.append({**record, "status": "completed", "output": output})
        if failure is None:
            break
        attempt += 1
        request = _replan_request(task, records, failure)
    if failed and stop_reason == "completed":
        stop_reason = "failed_steps"
    done = [r for r in records if r["status"] == "completed"]
    if not done and records:
        raise step_failed(flow, "no step of the plan completed", "see the failed steps above")
    return {
        "output": done[-1]["output"] if done else None,
        "plan": [{"step": s.number, "agent": s.agent, "action": s.action} for s in steps],
        "steps": records,
        "replans": attempt - 1,
        "stop_reason": stop_reason,
    }


def _step_input(step: Step, task: str, outputs: Mapping[int, Any]) -> str:
    parts = [step.action, f"Overall task:\n{task}"]
    earlier = [n for n in step.prerequisites if n in outputs]
    if earlier:
        parts.append("Results of earlier steps:\n" + "\n\n".join(f"[step {n}]\n{text_of(outputs[n])}" for n in earlier))
    return "\n\n".join(parts)


def _replan_request(task: str, records: list[dict[str, Any]], failure: str) -> str:
    lines = [
        f"- step {r['step']} ({r['agent']}): {r['status']}"
        + (f": {text_of(r.get('output'))[:300]}" if r["status"] == "completed" else f": {r.get('error')}")
        for r in records
    ]
    return (
        f"{task}\n\nAn earlier plan for this task failed: {failure}\nWhat happened so far:\n"
        + "\n".join(lines)
        + "\n\nMake a new plan for what remains."
    )


PLANNING = PatternDef(PlanningConfig.read, run_planning)
