"""The deterministic half of planning: checking a plan's dependency graph and computing its shape.

The model writes steps and their prerequisites; everything derived from that graph is computed here,
never taken from the model, because a model asked for a critical path will happily name one that does
not follow from its own prerequisites:

* prerequisites must name earlier steps, so the graph is acyclic by construction and its order is the
  step order;
* the critical path is the heaviest chain of prerequisites, weighing each step by its complexity
  (low 1, medium 2, high 3); ties go to the lower step number;
* the parallel groups are the topological levels: a step's level is one more than the highest level of
  its prerequisites, and each group runs once every earlier group has finished;
* total complexity is the mean step weight, rounded to the nearest level.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aixgo_cli.agents.planner.config import PlannerConfig
from aixgo_cli.agents.planner.schemas import FRAME_KEYS

WEIGHTS = {"low": 1, "medium": 2, "high": 3}
Step = dict[str, Any]


@dataclass
class Draft:
    """What the model contributed to a plan: the frame (analysis, criteria, risks, backups, duration)
    and the steps, before anything is computed from them."""

    frame: dict[str, Any]
    steps: list[Step]

    def view(self) -> str:
        """The plan as the model wrote it, for prompts that show a plan back to the model."""
        return json.dumps({**self.frame, "steps": self.steps}, ensure_ascii=False, indent=1)


def draft_of(reply: Mapping[str, Any], config: PlannerConfig) -> Draft:
    return Draft(frame=frame_of(reply), steps=[step_of(s, n, config) for n, s in enumerate(reply["steps"], 1)])


def prerequisite_problems(steps: Sequence[Mapping[str, Any]], *, noun: str = "step") -> list[str]:
    """Why this list of steps is not a valid plan graph (empty when it is)."""
    problems: list[str] = []
    for index, step in enumerate(steps, 1):
        number = step.get("step_number", step.get("phase_number"))
        if number != index:
            problems.append(f"{noun} {index} is numbered {number}: number the {noun}s 1, 2, 3... in order")
        for prerequisite in step.get("prerequisites", step.get("depends_on", ())):
            if prerequisite == index:
                problems.append(f"{noun} {index} lists itself as a prerequisite")
            elif prerequisite > len(steps):
                problems.append(
                    f"{noun} {index} lists prerequisite {prerequisite}, but there are only {len(steps)} {noun}s"
                )
            elif prerequisite > index:
                problems.append(
                    f"{noun} {index} lists prerequisite {prerequisite}, a later {noun}: "
                    f"a {noun} may depend only on earlier {noun}s"
                )
    return problems


def critical_path(steps: Sequence[Mapping[str, Any]]) -> list[int]:
    """The heaviest prerequisite chain (complexity weights), as ascending step numbers."""
    if not steps:
        return []
    length: dict[int, int] = {}
    before: dict[int, int | None] = {}
    for step in steps:
        number = int(step["step_number"])
        best: int | None = None
        for prerequisite in sorted(step["prerequisites"]):
            if best is None or length[prerequisite] > length[best]:
                best = prerequisite
        before[number] = best
        length[number] = WEIGHTS[step["complexity"]] + (length[best] if best is not None else 0)
    end = min(length, key=lambda n: (-length[n], n))
    path: list[int] = []
    cursor: int | None = end
    while cursor is not None:
        path.append(cursor)
        cursor = before[cursor]
    return path[::-1]


def levels(steps: Sequence[Mapping[str, Any]]) -> list[list[int]]:
    """Topological levels: steps whose prerequisites all lie in earlier levels, ascending."""
    level: dict[int, int] = {}
    for step in steps:
        level[step["step_number"]] = 1 + max((level[p] for p in step["prerequisites"]), default=-1)
    groups: list[list[int]] = [[] for _ in range(max(level.values(), default=-1) + 1)]
    for number in sorted(level):
        groups[level[number]].append(number)
    return groups


def total_complexity(steps: Sequence[Mapping[str, Any]]) -> str:
    if not steps:
        return "low"
    mean = sum(WEIGHTS[s["complexity"]] for s in steps) / len(steps)
    return "low" if mean < 1.5 else "medium" if mean < 2.5 else "high"


def step_of(raw: Mapping[str, Any], number: int, config: PlannerConfig) -> Step:
    """One step in the result's field order; `can_parallelize` is filled in by `finish`."""
    alternatives = raw.get("alternatives") if config.alternatives else None
    return {
        "step_number": number,
        "action": str(raw["action"]),
        "reasoning": str(raw.get("reasoning", "")),
        "prerequisites": sorted({int(p) for p in raw.get("prerequisites", ())}),
        "expected_outcome": str(raw.get("expected_outcome", "")),
        "complexity": str(raw["complexity"]),
        "can_parallelize": False,
        "alternatives": [
            {"action": a["action"], "reasoning": a["reasoning"], "trade_offs": a["trade_offs"]}
            for a in alternatives or ()
        ],
        "confidence": float(raw["confidence"]),
    }


def frame_of(reply: Mapping[str, Any]) -> dict[str, Any]:
    """The frame fields of a validated reply, without whatever else the model added."""
    analysis, risk = reply["analysis"], reply["risk_assessment"]
    return {
        "analysis": {
            k: analysis[k]
            for k in ("problem_type", "domain", "constraints", "available_resources", "key_challenges", "assumptions")
        },
        "success_criteria": list(reply["success_criteria"]),
        "risk_assessment": {
            "overall_risk": risk["overall_risk"],
            "risk_factors": [
                {k: f[k] for k in ("factor", "severity", "likelihood", "impact")} for f in risk["risk_factors"]
            ],
            "mitigation_steps": list(risk["mitigation_steps"]),
        },
        "backup_plans": [
            {k: b[k] for k in ("trigger_condition", "description", "alternative_steps")} for b in reply["backup_plans"]
        ],
        "estimated_duration": reply["estimated_duration"],
    }


def finish(draft: Draft, *, problem: str, config: PlannerConfig, tokens: int, critique: str | None) -> dict[str, Any]:
    """The ReasoningPlan: the draft plus everything computed from its graph."""
    assert set(draft.frame) == set(FRAME_KEYS)
    steps = [dict(s) for s in draft.steps]
    groups = levels(steps) if config.parallel else []
    concurrent = {n for group in groups if len(group) > 1 for n in group}
    for step in steps:
        step["can_parallelize"] = step["step_number"] in concurrent
    return {
        "problem": problem,
        "analysis": draft.frame["analysis"],
        "steps": steps,
        "execution_strategy": "parallel_optimized" if concurrent else "sequential",
        "critical_path": critical_path(steps),
        "parallel_groups": groups,
        "backup_plans": draft.frame["backup_plans"],
        "success_criteria": draft.frame["success_criteria"],
        "risk_assessment": draft.frame["risk_assessment"],
        "total_complexity": total_complexity(steps),
        "estimated_duration": draft.frame["estimated_duration"],
        "tokens_used": tokens,
        "planning_strategy": config.strategy,
        "self_critique": critique,
    }
