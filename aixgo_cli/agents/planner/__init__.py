"""The planner role: turns a problem into a ReasoningPlan (steps with prerequisites, critical path,
parallel groups, risks) by one of six strategies. The model writes; this package checks and computes.

Modules: `agent` (the entry point), `config`, `schemas` and `prompts` (what is asked), `calls` (asking,
with feedback), `structure` (the plan graph's maths and the result), one module per strategy family
(`linear`, `react_plan` + `transcript`, `backward`, `hierarchical`, `monte_carlo`), `scoring`, `critique`.
"""

from __future__ import annotations

from aixgo_cli.agents.planner.agent import plan

__all__ = ["plan"]
