"""hierarchical_plan: high-level phases first, then each phase expanded into sub-steps, flattened.

1. One structured call gives the plan's frame and its phases (name, objective, the earlier phases each
   depends on, complexity, confidence); phase dependencies are checked like step prerequisites.
2. Each phase in turn gets one structured call for its sub-steps, numbered within the phase. A phase
   may use an equal share of the steps still available, rounded up, leaving one for each phase after
   it; a phase whose share is a single step is not expanded (no call) and becomes one step itself. So
   the flattened plan never exceeds `max_steps`.
3. Flattening numbers all sub-steps in phase order. A sub-step keeps its prerequisites within its phase;
   a sub-step with none there depends on the last steps (those nothing else in the phase needs) of every
   phase its phase depends on. Each sub-step's reasoning starts with its phase, so the flat plan still
   reads as phases.
"""

from __future__ import annotations

import math
from typing import Any

from aixgo_cli.agents.planner.calls import Planning
from aixgo_cli.agents.planner.prompts import PLANNER_SYSTEM, examples, frame_rules, step_rules, system
from aixgo_cli.agents.planner.schemas import phases_schema, steps_schema
from aixgo_cli.agents.planner.structure import Draft, Step, frame_of, prerequisite_problems, step_of
from aixgo_cli.providers.types import ChatMessage


def hierarchical_plan(planning: Planning) -> Draft:
    config = planning.config
    request = (
        f"Make a high-level plan for this problem:\n\n{planning.problem}\n\n"
        f"Divide the work into phases (at most {config.max_steps}; usually two to six), numbered 1, 2, 3... in "
        "order (phase_number). Give each a short name, its objective, depends_on (the numbers of the earlier "
        "phases that must be finished first; [] when none), complexity (low, medium or high) and confidence "
        f"(0 to 1). Each phase will then be broken into concrete steps; the whole plan may have at most "
        f"{config.max_steps} steps.\n\n{frame_rules()}" + examples(config)
    )
    reply = planning.structured(
        _messages(planning, request),
        phases_schema(config),
        what="phases",
        check=lambda d: prerequisite_problems(d["phases"], noun="phase"),
    )
    phases: list[dict[str, Any]] = reply["phases"]
    outline = "\n".join(f"{n}. {p['name']}: {p['objective']}" for n, p in enumerate(phases, 1))
    steps: list[Step] = []
    ends: dict[int, list[int]] = {}
    for index, phase in enumerate(phases):
        number, later = index + 1, len(phases) - index - 1
        free = config.max_steps - len(steps)
        room = min(free - later, math.ceil(free / (later + 1)))
        if room >= 2:
            local: list[dict[str, Any]] = planning.structured(
                _messages(planning, _expand_request(planning, outline, number, phase, room)),
                steps_schema(config, room),
                what=f"steps of phase {number}",
                check=lambda d: prerequisite_problems(d["steps"]),
            )["steps"]
        else:
            local = [_as_step(phase)]
        entry = sorted({n for p in phase["depends_on"] for n in ends[p]})
        offset = len(steps)
        for k, raw in enumerate(local, 1):
            inside = [offset + p for p in raw["prerequisites"]]
            reasoning = f"Phase {number} ({phase['name']}): {raw.get('reasoning', '')}".rstrip(": ")
            steps.append(step_of({**raw, "reasoning": reasoning, "prerequisites": inside or entry}, offset + k, config))
        needed = {p for raw in local for p in raw["prerequisites"]}
        ends[number] = [offset + k for k in range(1, len(local) + 1) if k not in needed]
    return Draft(frame_of(reply), steps)


def _as_step(phase: dict[str, Any]) -> dict[str, Any]:
    return {
        "action": f"{phase['name']}: {phase['objective']}" if phase["name"] else phase["objective"],
        "reasoning": "",
        "prerequisites": [],
        "expected_outcome": phase["objective"],
        "complexity": phase["complexity"],
        "confidence": phase["confidence"],
    }


def _expand_request(planning: Planning, outline: str, number: int, phase: dict[str, Any], room: int) -> str:
    return (
        f"Problem:\n{planning.problem}\n\nThe plan's phases:\n{outline}\n\n"
        f"Break phase {number} ({phase['name']}: {phase['objective']}) into concrete steps. Number them from 1 "
        "within this phase; prerequisites name steps of this phase only (the order of the phases is "
        f"handled separately).\n\nRequirements for the steps:\n{step_rules(planning.config, room)}"
    )


def _messages(planning: Planning, request: str) -> list[ChatMessage]:
    return [system(PLANNER_SYSTEM, planning.context), ChatMessage(role="user", content=request)]
