"""Scoring candidate plans: the model judges, arithmetic decides.

One structured call shows the judge every candidate and asks for four marks from 0 to 10 each
(completeness, feasibility, efficiency, clarity) and the candidate's main weakness. A candidate's score
is the mean of its four marks, computed here rather than asked for, so the ranking follows from the marks
the judge actually gave. Used by tree_of_thought (all branches in one call) and monte_carlo (one rollout
per call, since each reward is needed before the next rollout is chosen).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aixgo_cli.agents.planner.calls import Planning
from aixgo_cli.agents.planner.prompts import JUDGE_SYSTEM, system
from aixgo_cli.agents.planner.schemas import scores_schema
from aixgo_cli.agents.planner.structure import Draft
from aixgo_cli.providers.types import ChatMessage

CRITERIA = ("completeness", "feasibility", "efficiency", "clarity")


@dataclass(frozen=True)
class Score:
    value: float  # the mean of the four marks, 0-10
    weakness: str


def score_plans(planning: Planning, drafts: Sequence[Draft], *, what: str = "scores") -> list[Score]:
    count = len(drafts)
    listing = "\n\n".join(f"Candidate {n}:\n{d.view()}" for n, d in enumerate(drafts, 1))
    request = (
        f"Problem:\n{planning.problem}\n\n{listing}\n\n"
        "Score each candidate plan from 0 to 10 on completeness (does it fully solve the problem?), "
        "feasibility (are the steps realistic and achievable?), efficiency (no wasted or redundant steps?) "
        "and clarity (is every step clear and well reasoned?), and name its main weakness. "
        f"Give exactly one entry per candidate, using the candidate numbers 1 to {count}."
    )
    messages = [system(JUDGE_SYSTEM, planning.context), ChatMessage(role="user", content=request)]
    data = planning.structured(messages, scores_schema(count), what=what, check=lambda d: _coverage(d, count))
    by_candidate = {entry["candidate"]: entry for entry in data["scores"]}
    return [
        Score(sum(float(by_candidate[n][c]) for c in CRITERIA) / len(CRITERIA), str(by_candidate[n]["weakness"]))
        for n in range(1, count + 1)
    ]


def best(scores: Sequence[Score]) -> int:
    """The index of the highest score; the lowest index among equals."""
    return min(range(len(scores)), key=lambda i: (-scores[i].value, i))


def _coverage(data: Any, count: int) -> list[str]:
    numbers = [entry["candidate"] for entry in data["scores"]]
    problems = [f"candidate {n} is scored more than once" for n in sorted(set(numbers)) if numbers.count(n) > 1]
    problems += [f"candidate {n} has no score" for n in range(1, count + 1) if n not in numbers]
    return problems
