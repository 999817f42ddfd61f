"""The aggregator's output: one JSON object of the same shape for all nine strategies.

{aggregated_content, sources, strategy_used, conflicts_resolved, consensus_level, summary_insights,
tokens_used, semantic_clusters, contested} always; `votes` and `winner` for the voting strategies,
`disagreement` for a reported unanimous failure, `citations` for rag_based, `excluded` when
max_input_sources or deduplication left a source out. Go aixgo's `processing_time_ms` is left out on
purpose: a wall-clock value would make the output, and so every downstream journal key, differ between
two runs of the same work. The consensus level is rounded to four decimals so it reads, and compares,
the same on every platform.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aixgo_cli.agents.aggregator.config import AggregatorConfig
from aixgo_cli.agents.aggregator.inputs import AgentInput, Prepared
from aixgo_cli.agents.aggregator.llm import Synthesis
from aixgo_cli.agents.aggregator.similarity import consensus_level
from aixgo_cli.agents.aggregator.voting import VoteOutcome


def _base(
    config: AggregatorConfig,
    prepared: Prepared,
    *,
    content: str,
    conflicts: list[dict[str, Any]],
    summary: str,
    level: float,
    tokens: int,
    clusters: list[dict[str, Any]],
) -> dict[str, Any]:
    level = round(level, 4)
    result: dict[str, Any] = {
        "aggregated_content": content,
        "sources": [i.source for i in prepared.inputs],
        "strategy_used": config.strategy,
        "conflicts_resolved": conflicts,
        "consensus_level": level,
        "summary_insights": summary,
        "tokens_used": tokens,
        "semantic_clusters": clusters,
        "contested": level < config.consensus_threshold,
    }
    if prepared.excluded:
        result["excluded"] = list(prepared.excluded)
    return result


def vote_result(config: AggregatorConfig, prepared: Prepared, outcome: VoteOutcome) -> dict[str, Any]:
    inputs = prepared.inputs
    winner = outcome.winner
    chosen = winner.answer if winner else ""
    level = consensus_level([i.vote for i in inputs], [i.weight for i in inputs], chosen)
    conflicts: list[dict[str, Any]] = []
    if winner is not None and len(outcome.tallies) > 1:
        conflicts.append(
            {
                "topic": "vote",
                "conflicting_sources": [i.source for i in inputs],
                "resolution": winner.text,
                "reasoning": outcome.explanation,
            }
        )
    result = _base(
        config,
        prepared,
        content=winner.text if winner else "",
        conflicts=conflicts,
        summary=outcome.explanation,
        level=level,
        tokens=0,
        clusters=[],
    )
    result["votes"] = [t.to_json() for t in outcome.tallies]
    result["winner"] = chosen if winner else None
    if winner is None:
        result["contested"] = True
        result["disagreement"] = [{"answer": t.answer, "sources": t.sources} for t in outcome.tallies]
    if outcome.tied:
        result["tie"] = outcome.tied
    return result


def llm_result(config: AggregatorConfig, prepared: Prepared, synthesis: Synthesis, tokens: int) -> dict[str, Any]:
    inputs: Sequence[AgentInput] = prepared.inputs
    level = consensus_level([i.content for i in inputs], [i.weight for i in inputs], synthesis.content)
    result = _base(
        config,
        prepared,
        content=synthesis.content,
        conflicts=synthesis.conflicts,
        summary=synthesis.summary,
        level=level,
        tokens=tokens,
        clusters=synthesis.semantic_clusters,
    )
    if synthesis.citations is not None:
        result["citations"] = synthesis.citations
    return result
