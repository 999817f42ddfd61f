"""aggregation: every member answers the same input; their answers are combined into one.

Members run at once (at most `concurrency_limit`); fewer than `minimum_responses` successes (default 1)
fail the step. `method`:

* `merge` (default): the answers' text joined by `delimiter` (default `\\n---\\n`), in member order;
* `vote`: the most common answer (compared as labels, see `ensemble`); a tie fails the step;
* `summarize`: the `summarizer` member combines them; it gets every answer as `[member]` sections, and
  each answer by name (`sources`, which an aggregator agent reads);
* `best`: the `scorer` member scores each answer (0..1, as the reflection critic does); the highest wins,
  and on a tie the earlier member in the list. An answer the scorer gives no score fails the step.

The result is the combined answer itself (text, or the chosen member's output).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aixgo_cli.patterns.base import Call, Flow, Members, Outcome, PatternDef, first_error, member_place, step_failed
from aixgo_cli.patterns.reading import label_of, score_of, text_of

SCORER_INSTRUCTIONS = (
    'Score how well the answer serves the task, between 0 and 1, as JSON {"score": 0.7} or a line "Score: 0.7".'
)


@dataclass(frozen=True)
class AggregationConfig:
    method: str = "merge"
    summarizer: str | None = None
    scorer: str | None = None
    delimiter: str = "\n---\n"
    minimum_responses: int = 1
    concurrency_limit: int | None = None

    @classmethod
    def read(cls, raw: Mapping[str, Any]) -> AggregationConfig:
        return cls(
            str(raw.get("method", "merge")),
            raw.get("summarizer"),
            raw.get("scorer"),
            str(raw.get("delimiter", "\n---\n")),
            int(raw.get("minimum_responses", 1)),
            raw.get("concurrency_limit"),
        )


def sections(outcomes: list[Outcome]) -> str:
    return "\n\n".join(f"[{o.member}]\n{text_of(o.value)}" for o in outcomes)


def run_aggregation(
    flow: Flow[AggregationConfig], payload: Any, place: str, members: Members, seen: Mapping[str, Any]
) -> Any:
    config = flow.config
    calls = [Call(m, payload, member_place(place, i, m)) for i, m in enumerate(flow.members)]
    outcomes = members.run_many(calls, config.concurrency_limit or len(calls), seen, fail_fast=False)
    answers = [o for o in outcomes if o.ok]
    if len(answers) < config.minimum_responses:
        if not answers:
            raise first_error(outcomes)
        raise step_failed(
            flow,
            f"only {len(answers)} of {len(outcomes)} members answered; minimum_responses is {config.minimum_responses}",
            f"see why the others failed: {first_error(outcomes)}",
        )
    if config.method == "vote":
        return _vote(flow, answers)
    if config.method == "summarize":
        assert config.summarizer is not None  # validation requires it
        return members.run(
            config.summarizer,
            f"Task:\n{text_of(payload)}\n\nAnswers:\n\n{sections(answers)}",
            member_place(place, "summarize", config.summarizer),
            {**seen, **{o.member: o.value for o in answers}},
            sources={o.member: o.value for o in answers},
        )
    if config.method == "best":
        assert config.scorer is not None  # validation requires it
        return _best(flow, payload, place, members, seen, answers, config.scorer)
    return config.delimiter.join(text_of(o.value) for o in answers)


def _vote(flow: Flow[AggregationConfig], answers: list[Outcome]) -> Any:
    counts: dict[str, int] = {}
    for outcome in answers:
        counts[label_of(outcome.value)] = counts.get(label_of(outcome.value), 0) + 1
    top = max(counts.values())
    leaders = [label for label, count in counts.items() if count == top]
    if len(leaders) > 1:
        raise step_failed(
            flow,
            "the vote is tied between " + ", ".join(f"'{x}' ({top})" for x in leaders),
            "add a member, or use method summarize or best",
        )
    return next(o.value for o in answers if label_of(o.value) == leaders[0])


def _best(
    flow: Flow[AggregationConfig],
    payload: Any,
    place: str,
    members: Members,
    seen: Mapping[str, Any],
    answers: list[Outcome],
    scorer: str,
) -> Any:
    calls = [
        Call(
            scorer,
            f"Task:\n{text_of(payload)}\n\nAnswer:\n{text_of(o.value)}",
            member_place(place, f"score.{o.member}", scorer),
            instructions=SCORER_INSTRUCTIONS,
        )
        for o in answers
    ]
    scored = members.run_many(calls, len(calls), seen, fail_fast=True)
    if not all(s.ok for s in scored):
        raise first_error(scored)
    best: tuple[float, Any] | None = None
    for outcome, score in zip(answers, scored, strict=True):
        value = score_of(score.value)
        if value is None:
            raise step_failed(
                flow,
                f"the scorer '{scorer}' gave no score for '{outcome.member}': {text_of(score.value)[:200]!r}",
                "make the scorer answer with a score between 0 and 1",
            )
        if best is None or value > best[0]:
            best = (value, outcome.value)
    assert best is not None
    return best[1]


AGGREGATION = PatternDef(AggregationConfig.read, run_aggregation)
