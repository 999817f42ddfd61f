"""monte_carlo: a bandit search over at most three approaches, with whole-plan rollouts judged by the model.

What runs, exactly:

1. One structured call names one to three genuinely different approaches: the root's children (at most
   three, as in Go aixgo's tree search).
2. `simulations` times: the approach to try is selected by UCB1 (an untried approach first, lowest index
   first; otherwise the highest mean reward + sqrt(2 ln N / n), N all rollouts so far, n this
   approach's; ties to the lowest index). A rollout is one structured call for a whole plan following
   that approach, under an emphasis drawn from a fixed list by a generator seeded from the SHA-256 of the
   problem text: the only randomness, so the same problem always makes the same requests. The rollout is
   then scored by the model in a call of its own (`scoring`: the mean of four 0-10 marks); the reward is
   that score / 10 and is added to the approach's statistics.
3. The approach tried most often wins (ties: the higher mean reward, then the lower index), and its
   best-scoring rollout (ties: the earlier one) is the plan.

With `enable_backtracking`, an approach whose mean reward is below 0.5 after two or more rollouts is
abandoned (never selected again) while another approach is still in play. A run costs 1 + 2 x
`simulations` calls; nothing about it is simulated beyond that: the model writes every candidate and
gives every score, and the arithmetic above only chooses.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

from aixgo_cli.agents.planner.calls import Planning
from aixgo_cli.agents.planner.prompts import EMPHASES, PLANNER_SYSTEM, plan_request, system
from aixgo_cli.agents.planner.schemas import approaches_schema
from aixgo_cli.agents.planner.scoring import score_plans
from aixgo_cli.agents.planner.structure import Draft
from aixgo_cli.providers.types import ChatMessage

MAX_CHILDREN = 3
EXPLORATION = math.sqrt(2)
ABANDON_BELOW = 0.5


@dataclass
class Arm:
    name: str
    summary: str
    visits: int = 0
    value: float = 0.0
    live: bool = True
    best: Draft | None = None
    best_reward: float = -1.0

    @property
    def mean(self) -> float:
        return self.value / self.visits if self.visits else 0.0


def seed_of(problem: str) -> int:
    return int.from_bytes(hashlib.sha256(problem.encode("utf-8")).digest()[:8], "big")


def ucb1(arms: Sequence[Arm], total: int) -> int:
    """The index of the arm to try next."""
    live = [i for i, arm in enumerate(arms) if arm.live]
    for i in live:
        if arms[i].visits == 0:
            return i

    def bound(i: int) -> float:
        arm = arms[i]
        return arm.mean + EXPLORATION * math.sqrt(math.log(total) / arm.visits)

    return min(live, key=lambda i: (-bound(i), i))


def chosen(arms: Sequence[Arm]) -> int:
    """The most-tried live arm (ties: higher mean, then lower index); any tried arm if none is live."""
    tried = [i for i, arm in enumerate(arms) if arm.visits and arm.live] or [i for i, a in enumerate(arms) if a.visits]
    return min(tried, key=lambda i: (-arms[i].visits, -arms[i].mean, i))


def monte_carlo(planning: Planning) -> Draft:
    config = planning.config
    request = (
        f"Problem:\n{planning.problem}\n\nName one to {MAX_CHILDREN} genuinely different approaches to this "
        "problem (different methods, orders or trade-offs), each with a short name and a summary of a few "
        "sentences. Do not write the plans yet."
    )
    reply = planning.structured(_messages(planning, request), approaches_schema(MAX_CHILDREN), what="approaches")
    arms = [Arm(str(a["name"]), str(a["summary"])) for a in reply["approaches"]]
    rng = random.Random(seed_of(planning.problem))
    for simulation in range(1, config.simulations + 1):
        arm = arms[ucb1(arms, simulation - 1)]
        direction = EMPHASES[rng.randrange(len(EMPHASES))]
        rollout = plan_request(planning.problem, config, direction=direction)
        rollout += f"\n\nFollow this approach. {arm.name}: {arm.summary}"
        draft = planning.plan(_messages(planning, rollout), what=f"rollout {simulation}")
        reward = score_plans(planning, [draft], what=f"score of rollout {simulation}")[0].value / 10
        arm.visits += 1
        arm.value += reward
        if reward > arm.best_reward:
            arm.best, arm.best_reward = draft, reward
        others_live = any(other.live for other in arms if other is not arm)
        if config.backtracking and arm.visits >= 2 and arm.mean < ABANDON_BELOW and others_live:
            arm.live = False
    best = arms[chosen(arms)].best
    assert best is not None
    return best


def _messages(planning: Planning, request: str) -> list[ChatMessage]:
    return [system(PLANNER_SYSTEM, planning.context), ChatMessage(role="user", content=request)]
