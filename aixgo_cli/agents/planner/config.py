"""The planner's settings: `planner_config` read once, with the documented defaults filled in.

The defaults are those of Go aixgo's planner (strategy chain_of_thought, 20 steps, detailed steps,
reasoning depth 3, temperature 0.7, 2000 tokens) plus `simulations: 10` for monte_carlo, which the Go
version hard-coded. Validation has already checked every type and range, so reading is plain.
"""

from __future__ import annotations

from dataclasses import dataclass

from aixgo_cli.config.model import AgentSpec
from aixgo_cli.config.planner_checks import DEFAULT_STRATEGY

DEFAULT_TEMPERATURE = 0.7
DEFAULT_MAX_TOKENS = 2000


@dataclass(frozen=True)
class ExamplePlan:
    problem: str
    steps: tuple[str, ...]
    explanation: str = ""


@dataclass(frozen=True)
class PlannerConfig:
    strategy: str = DEFAULT_STRATEGY
    max_steps: int = 20
    detail: str = "detailed"
    backtracking: bool = False
    self_critique: bool = False
    depth: int = 3
    simulations: int = 10
    parallel: bool = False
    alternatives: bool = False
    examples: tuple[ExamplePlan, ...] = ()

    @classmethod
    def of(cls, spec: AgentSpec) -> PlannerConfig:
        raw = spec.config
        examples = tuple(
            ExamplePlan(str(e["problem"]), tuple(str(s) for s in e["steps"]), str(e.get("explanation") or ""))
            for e in raw.get("example_plans") or ()
        )
        return cls(
            strategy=str(raw.get("planning_strategy", cls.strategy)),
            max_steps=int(raw.get("max_steps", cls.max_steps)),
            detail=str(raw.get("step_detail_level", cls.detail)),
            backtracking=bool(raw.get("enable_backtracking", cls.backtracking)),
            self_critique=bool(raw.get("enable_self_critique", cls.self_critique)),
            depth=int(raw.get("reasoning_depth", cls.depth)),
            simulations=int(raw.get("simulations", cls.simulations)),
            parallel=bool(raw.get("parallelizable_steps", cls.parallel)),
            alternatives=bool(raw.get("include_alternatives", cls.alternatives)),
            examples=examples,
        )
