"""planner: a problem in, a ReasoningPlan out, by one of six strategies.

The strategy produces a draft (what the model wrote); optional self-critique revises it; `finish` adds
everything computed from the draft's prerequisite graph (critical path, parallel groups, execution
strategy, total complexity) and the token count. Nothing in the result depends on the clock, so a
replayed run returns the very same plan.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aixgo_cli.agents.base import Invocation
from aixgo_cli.agents.planner.backward import backward_chaining
from aixgo_cli.agents.planner.calls import Planning
from aixgo_cli.agents.planner.config import PlannerConfig
from aixgo_cli.agents.planner.critique import critique_and_revise
from aixgo_cli.agents.planner.hierarchical import hierarchical_plan
from aixgo_cli.agents.planner.linear import chain_of_thought, tree_of_thought
from aixgo_cli.agents.planner.monte_carlo import monte_carlo
from aixgo_cli.agents.planner.react_plan import react_planning
from aixgo_cli.agents.planner.structure import Draft, finish
from aixgo_cli.errors import RunError

STRATEGY_FUNCTIONS: dict[str, Callable[[Planning], Draft]] = {
    "chain_of_thought": chain_of_thought,
    "tree_of_thought": tree_of_thought,
    "react_planning": react_planning,
    "backward_chaining": backward_chaining,
    "hierarchical_plan": hierarchical_plan,
    "monte_carlo": monte_carlo,
}


def plan(invocation: Invocation) -> dict[str, Any]:
    config = PlannerConfig.of(invocation.spec)
    problem = invocation.text.strip()
    if not problem:
        raise RunError(
            "the planner was given an empty problem",
            hint='give it one, e.g.: aixgo run WORKFLOW --input "Plan the launch of our product"',
        )
    planning = Planning.start(invocation, config, problem)
    draft = STRATEGY_FUNCTIONS[config.strategy](planning)
    critique: str | None = None
    if config.self_critique:
        draft, critique = critique_and_revise(planning, draft)
    return finish(draft, problem=problem, config=config, tokens=planning.tokens, critique=critique)
