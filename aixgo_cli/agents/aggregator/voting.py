"""Deterministic votes: no model call, no tokens, no cost, and the same answer for the same inputs.

Answers are compared after normalising (trim, lower-case, collapse white space); with
`deduplication_method: semantic`, an answer whose similarity to an earlier one reaches the threshold
counts as that answer, so "Approve." and "approve" are one option. Every input is a vote: duplicates are
never dropped here, since a repeated answer is exactly what a majority is made of.

- voting_majority: most votes (a vote counts 1 whatever its source).
- voting_unanimous: all answers must be the same; otherwise `on_disagreement` (fail, or report).
- voting_weighted: highest sum of weights (a source's `source_weights` entry, else its confidence).
- voting_confidence: the answer of the single most confident input (weights count as confidence).

A tie between different answers is settled by `on_tie`: `lexicographic` takes the first of the tied
answers in sort order (reproducible, if arbitrary); `fail` fails the step, naming the tied answers.
Floating-point scores within 1e-9 of each other are a tie, so 0.1 + 0.2 ties with 0.3.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from aixgo_cli.agents.aggregator.config import AggregatorConfig
from aixgo_cli.agents.aggregator.inputs import AgentInput
from aixgo_cli.agents.aggregator.similarity import normalise, similarity
from aixgo_cli.errors import RunError, resume_step

_EPSILON = 1e-9


@dataclass
class Tally:
    answer: str  # normalised: what was compared
    text: str  # the first way a source wrote it
    sources: list[str] = field(default_factory=list)
    count: int = 0
    score: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "answer": self.answer,
            "count": self.count,
            "score": round(float(self.score), 6),
            "sources": self.sources,
        }


@dataclass(frozen=True)
class VoteOutcome:
    winner: Tally | None  # None: voting_unanimous with on_disagreement: report, and the sources disagreed
    tallies: list[Tally]  # best first, then by answer
    tied: list[str]  # the answers tied for first place (empty without a tie)
    explanation: str


def tally(config: AggregatorConfig, inputs: Sequence[AgentInput]) -> list[Tally]:
    by_answer: dict[str, Tally] = {}
    for item in inputs:
        answer = normalise(item.vote)
        if answer not in by_answer and config.deduplication == "semantic":
            answer = _closest(answer, list(by_answer), config.similarity_threshold)
        entry = by_answer.setdefault(answer, Tally(answer, item.vote))
        entry.sources.append(item.source)
        entry.count += 1
        if config.strategy == "voting_weighted":
            entry.score += item.weight
        elif config.strategy == "voting_confidence":
            entry.score = max(entry.score, item.weight)
        else:
            entry.score = entry.count
    return sorted(by_answer.values(), key=lambda t: (-t.score, t.answer))


def _closest(answer: str, known: list[str], threshold: float) -> str:
    """The most similar known answer at or above the threshold (the first on ties), else the answer."""
    best, best_score = answer, -1.0
    for candidate in known:
        score = similarity(answer, candidate, normalised=True)
        if score >= threshold and score > best_score:
            best, best_score = candidate, score
    return best


def vote(config: AggregatorConfig, inputs: Sequence[AgentInput], *, agent: str) -> VoteOutcome:
    tallies = tally(config, inputs)
    name = config.strategy
    if name == "voting_unanimous":
        if len(tallies) == 1:
            return VoteOutcome(tallies[0], tallies, [], f"all {len(inputs)} sources agree")
        listing = _who_said_what(inputs)
        if config.on_disagreement == "fail":
            raise _resumable(
                f"voting_unanimous: the sources disagree: {listing}",
                f"set aggregator_config.on_disagreement: report on '{agent}' to get the disagreement as its "
                "result, or use voting_majority",
            )
        return VoteOutcome(None, tallies, [], f"no unanimous answer: {listing}")
    best = tallies[0].score
    tied = [t for t in tallies if abs(t.score - best) <= _EPSILON]
    if len(tied) > 1:
        described = " and ".join(f"'{t.answer}' ({', '.join(t.sources)})" for t in tied)
        if config.on_tie == "fail":
            raise _resumable(
                f"{name}: a tie between {described}, each with score {_fmt(best)}",
                f"set aggregator_config.on_tie: lexicographic on '{agent}', weight the sources "
                "(source_weights with voting_weighted) or add a source",
            )
        winner = min(tied, key=lambda t: t.answer)
        tallies = [winner] + [t for t in tallies if t is not winner]
        explanation = f"{_explain(name, winner, len(inputs))}; tie with {described} settled by sort order"
        return VoteOutcome(winner, tallies, [t.answer for t in tied], explanation)
    return VoteOutcome(tallies[0], tallies, [], _explain(name, tallies[0], len(inputs)))


def _explain(strategy: str, winner: Tally, total: int) -> str:
    voters = ", ".join(winner.sources)
    if strategy == "voting_weighted":
        return f"'{winner.answer}' has the highest total weight, {_fmt(winner.score)} ({voters})"
    if strategy == "voting_confidence":
        return f"'{winner.answer}' is the answer of the most confident source, {_fmt(winner.score)} ({voters})"
    return f"'{winner.answer}' has {winner.count} of {total} votes ({voters})"


def _who_said_what(inputs: Sequence[AgentInput]) -> str:
    return ", ".join(f"{i.source} answered '{normalise(i.vote)}'" for i in inputs)


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def _resumable(message: str, advice: str) -> RunError:
    """A vote that cannot decide: the step fails, and resumes once the advice is followed."""
    return RunError(message, hint=advice + "; then:", next_step=resume_step())
