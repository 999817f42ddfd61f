"""backward_chaining: from the goal backwards, then reversed into forward steps.

1. One structured call names the goal state and the final step that reaches it (with the plan's frame).
2. Preconditions are found breadth-first: for each state, one structured call lists what must be true
   immediately before it (one to four preconditions, each with the action that makes it true and
   whether that action is `primitive`, i.e. possible from the current state with nothing else first).
   A precondition is decomposed again unless it is primitive or lies `reasoning_depth` levels below
   the goal; decomposition stops early when the plan would exceed `max_steps` (each call is told how
   many preconditions still fit).
3. The tree is reversed: every precondition becomes a step before the step that needs it (post-order),
   with the steps of its own preconditions as prerequisites; the final step comes last. Preconditions
   of one state do not depend on each other, so with `parallelizable_steps` they form parallel groups.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aixgo_cli.agents.planner.calls import Planning
from aixgo_cli.agents.planner.prompts import BACKWARD_SYSTEM, DETAIL, examples, frame_rules, system
from aixgo_cli.agents.planner.schemas import goal_schema, preconditions_schema
from aixgo_cli.agents.planner.structure import Draft, Step, frame_of, step_of
from aixgo_cli.providers.types import ChatMessage

MAX_PRECONDITIONS = 4


@dataclass
class Goal:
    condition: str  # the state this node's action makes true
    step: dict[str, Any]  # action, reasoning, complexity, confidence (and alternatives)
    depth: int
    primitive: bool = False
    parent: Goal | None = None
    children: list[Goal] = field(default_factory=list)


def backward_chaining(planning: Planning) -> Draft:
    config = planning.config
    request = (
        f"Problem:\n{planning.problem}\n\nIdentify the goal state: the desired end result, specific enough to "
        "check. Then give the final step: the action that reaches the goal state once everything it needs is "
        f"in place. {DETAIL[config.detail]}\n\n{frame_rules()}" + examples(config)
    )
    reply = planning.structured(_messages(planning, request), goal_schema(config), what="goal")
    root = Goal(condition=reply["goal_state"], step=reply["final_step"], depth=0)
    count = 1
    queue = deque([root])
    while queue:
        goal = queue.popleft()
        room = min(MAX_PRECONDITIONS, config.max_steps - count)
        if goal.primitive or goal.depth >= config.depth or room < 1:
            continue
        data = planning.structured(
            _messages(planning, _decompose_request(planning, goal, room)),
            preconditions_schema(config, room),
            what=f"preconditions (level {goal.depth + 1})",
        )
        for item in data["preconditions"]:
            child = Goal(item["condition"], item, goal.depth + 1, bool(item["primitive"]), goal)
            goal.children.append(child)
            queue.append(child)
        count += len(goal.children)
    steps: list[Step] = []
    _reverse(root, steps, planning)
    return Draft(frame_of(reply), steps)


def _reverse(goal: Goal, steps: list[Step], planning: Planning) -> int:
    prerequisites = [_reverse(child, steps, planning) for child in goal.children]
    number = len(steps) + 1
    raw = {**goal.step, "prerequisites": prerequisites, "expected_outcome": goal.condition}
    steps.append(step_of(raw, number, planning.config))
    return number


def _decompose_request(planning: Planning, goal: Goal, room: int) -> str:
    chain: list[str] = []
    cursor: Goal | None = goal
    while cursor is not None:
        chain.append(f"- {cursor.condition} (reached by: {cursor.step['action']})")
        cursor = cursor.parent
    config = planning.config
    alternatives = (
        " alternatives: one to three other ways to make it true, with reasoning and trade-offs."
        if config.alternatives
        else ""
    )
    return (
        f"Problem:\n{planning.problem}\n\nThe chain so far, from this state back up to the goal:\n"
        + "\n".join(chain)
        + f"\n\nWhat must be true immediately before '{goal.step['action']}' can be done? List 1 to {room} "
        "preconditions that do not depend on each other. For each give: condition (the state that must "
        "hold), action (the step that makes it true), reasoning, complexity (low, medium or high), "
        "confidence (0 to 1), and primitive: true when the action can be taken from the current state with "
        f"nothing else done first, false when it needs preconditions of its own.{alternatives} " + DETAIL[config.detail]
    )


def _messages(planning: Planning, request: str) -> list[ChatMessage]:
    return [system(BACKWARD_SYSTEM, planning.context), ChatMessage(role="user", content=request)]
