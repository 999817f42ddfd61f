"""chain_of_thought and tree_of_thought: whole plans asked for in one structured call each.

chain_of_thought is one call. tree_of_thought asks for `reasoning_depth` branches, each with its own
emphasis (simplicity, robustness, speed, ...) so that the branches really differ, then one scoring call
judges them all (see `scoring`) and the best-scoring branch is the plan (ties: the earlier branch).

With `enable_backtracking`, a best score below 5 of 10 abandons the whole set: one more branch is asked
for, told the judge's stated weakness of every branch so far, and all branches are scored again together
(one call, so the marks stay comparable); the best of them is kept.
"""

from __future__ import annotations

from aixgo_cli.agents.planner.calls import Planning
from aixgo_cli.agents.planner.prompts import PLANNER_SYSTEM, emphasis, plan_request, system
from aixgo_cli.agents.planner.scoring import best, score_plans
from aixgo_cli.agents.planner.structure import Draft
from aixgo_cli.providers.types import ChatMessage

BACKTRACK_BELOW = 5.0


def chain_of_thought(planning: Planning) -> Draft:
    return planning.plan(_messages(planning, plan_request(planning.problem, planning.config)))


def tree_of_thought(planning: Planning) -> Draft:
    config = planning.config
    branches = [
        planning.plan(
            _messages(planning, plan_request(planning.problem, config, direction=emphasis(i))),
            what=f"branch {i + 1}",
        )
        for i in range(config.depth)
    ]
    scores = score_plans(planning, branches, what="branch scores")
    chosen = best(scores)
    if config.backtracking and scores[chosen].value < BACKTRACK_BELOW:
        weaknesses = "\n".join(f"- attempt {n}: {s.weakness}" for n, s in enumerate(scores, 1))
        request = plan_request(planning.problem, config) + (
            f"\n\nEarlier attempts were judged weak:\n{weaknesses}\nMake a plan that avoids these weaknesses."
        )
        branches.append(planning.plan(_messages(planning, request), what="backtracking branch"))
        chosen = best(score_plans(planning, branches, what="branch scores"))
    return branches[chosen]


def _messages(planning: Planning, request: str) -> list[ChatMessage]:
    return [system(PLANNER_SYSTEM, planning.context), ChatMessage(role="user", content=request)]
