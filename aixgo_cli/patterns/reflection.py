"""reflection: a generator writes, a critic scores and critiques, the generator revises; bounded.

Round n (1..`max_iterations`): the generator gets the task (round 1) or the task, its previous answer and
the critique (later rounds); the critic gets the task and the answer and is asked for a score between 0
and 1 (`reading.score_of`: a JSON `score`, or `Score: 8/10` text). The loop stops at the first of:

* `quality_threshold` (default 0.9) reached: stop_reason `quality_threshold`;
* `improvement_threshold` set and a round improved the score by less than it: `no_improvement`;
* `max_iterations` rounds done: `max_iterations`.

A critic reply with no readable score fails the step (exit 1). The result is the best-scoring answer
(the later one on a tie): `{"output", "score", "iterations", "stop_reason", "history": [{"iteration",
"score"}]}`. Every answer and every critique is a journaled unit; a resumed run replays them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aixgo_cli.patterns.base import Flow, Members, PatternDef, member_place, step_failed
from aixgo_cli.patterns.reading import score_of, text_of

CRITIC_INSTRUCTIONS = (
    "Review the answer to the task. Include a score between 0 and 1 for its quality (1: nothing left to "
    'improve), as JSON {"score": 0.7, ...} or a line "Score: 0.7", and say what should change.'
)


@dataclass(frozen=True)
class ReflectionConfig:
    generator: str
    critic: str
    max_iterations: int = 3
    quality_threshold: float = 0.9
    improvement_threshold: float | None = None

    @classmethod
    def read(cls, raw: Mapping[str, Any]) -> ReflectionConfig:
        improvement = raw.get("improvement_threshold")
        return cls(
            str(raw["generator"]),
            str(raw["critic"]),
            int(raw.get("max_iterations", 3)),
            float(raw.get("quality_threshold", 0.9)),
            float(improvement) if improvement is not None else None,
        )


def run_reflection(
    flow: Flow[ReflectionConfig], payload: Any, place: str, members: Members, seen: Mapping[str, Any]
) -> Any:
    config = flow.config
    task = text_of(payload)
    history: list[dict[str, Any]] = []
    best: tuple[float, Any] | None = None
    answer: Any = None
    critique: Any = None
    stop_reason = "max_iterations"
    for iteration in range(1, config.max_iterations + 1):
        request = payload if iteration == 1 else _revision(task, answer, critique)
        answer = members.run(
            config.generator, request, member_place(place, f"{iteration}.generate", config.generator), seen
        )
        review = f"Task:\n{task}\n\nAnswer to review:\n{text_of(answer)}"
        critique = members.run(
            config.critic,
            review,
            member_place(place, f"{iteration}.critique", config.critic),
            {**seen, config.generator: answer},
            instructions=CRITIC_INSTRUCTIONS,
        )
        score = score_of(critique)
        if score is None:
            raise step_failed(
                flow,
                f"the critic '{config.critic}' gave no score in round {iteration}: {text_of(critique)[:200]!r}",
                "make the critic answer with a score between 0 and 1 (a JSON `score` or a line `Score: 0.7`)",
            )
        previous = history[-1]["score"] if history else None
        history.append({"iteration": iteration, "score": score})
        if best is None or score >= best[0]:
            best = (score, answer)
        if score >= config.quality_threshold:
            stop_reason = "quality_threshold"
            break
        threshold = config.improvement_threshold
        if previous is not None and threshold is not None and score - previous < threshold:
            stop_reason = "no_improvement"
            break
    assert best is not None
    return {
        "output": best[1],
        "score": best[0],
        "iterations": len(history),
        "stop_reason": stop_reason,
        "history": history,
    }


def _revision(task: str, answer: Any, critique: Any) -> str:
    return (
        f"Task:\n{task}\n\nYour previous answer:\n{text_of(answer)}\n\n"
        f"A reviewer's critique:\n{text_of(critique)}\n\nWrite an improved answer to the task."
    )


REFLECTION = PatternDef(ReflectionConfig.read, run_reflection)
