"""Checks inside `planner_config` that the schema cannot express.

An example plan longer than `max_steps` is an error: the examples are shown to the model next to the
instruction "at most N steps", and a model shown a longer example writes longer plans, which are then
refused and retried at the user's expense. Keys that the chosen strategy never reads are warnings, so a
config copied from another strategy does not suggest settings that do nothing.
"""

from __future__ import annotations

from aixgo_cli.config.context import CheckContext, Named

DEFAULT_MAX_STEPS = 20
DEFAULT_STRATEGY = "chain_of_thought"
STRATEGIES = (
    "chain_of_thought",
    "tree_of_thought",
    "react_planning",
    "backward_chaining",
    "hierarchical_plan",
    "monte_carlo",
)
# Which strategies read a key that only some of them use.
READ_BY = {
    "reasoning_depth": ("tree_of_thought", "backward_chaining"),
    "simulations": ("monte_carlo",),
    "enable_backtracking": ("tree_of_thought", "monte_carlo"),
}


def check_planner(ctx: CheckContext, agent: Named) -> None:
    config = agent.body.get("planner_config")
    if not isinstance(config, dict):
        return
    base = ("agents", agent.index, "planner_config")
    max_steps = config.get("max_steps", DEFAULT_MAX_STEPS)
    examples = config.get("example_plans")
    if isinstance(max_steps, int) and isinstance(examples, list):
        for index, example in enumerate(examples):
            steps = example.get("steps") if isinstance(example, dict) else None
            if isinstance(steps, list) and len(steps) > max_steps:
                ctx.error(
                    (*base, "example_plans", index, "steps"),
                    "example-too-long",
                    f"example plan #{index + 1} of '{agent.name}' has {len(steps)} steps, but max_steps is {max_steps}",
                    "shorten the example, or raise max_steps",
                    at_key=True,
                )
    strategy = config.get("planning_strategy", DEFAULT_STRATEGY)
    if strategy not in STRATEGIES:
        return  # the schema reports an unknown strategy; guessing what it would read helps nobody
    for key, readers in READ_BY.items():
        if key in config and strategy not in readers:
            ctx.warning(
                (*base, key),
                "unused-key",
                f"planner '{agent.name}' uses {strategy}, which does not read {key}",
                f"remove {key}; it is read by: {', '.join(readers)}",
                at_key=True,
            )
