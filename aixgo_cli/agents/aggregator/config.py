"""The aggregator's settings: `aggregator_config` read once into a frozen value with its defaults.

The defaults are the documented ones (docs/workflow-format.md), which are the Go aixgo defaults where Go
had one. Validation has already checked every type and range, so reading here never fails.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

VOTING_STRATEGIES = frozenset({"voting_majority", "voting_unanimous", "voting_weighted", "voting_confidence"})
LLM_STRATEGIES = frozenset({"consensus", "weighted", "semantic", "hierarchical", "rag_based"})

DEFAULT_STRATEGY = "consensus"
DEFAULT_CONFIDENCE = 0.5
DEFAULT_SIMILARITY_THRESHOLD = 0.85
DEFAULT_CONSENSUS_THRESHOLD = 0.7
DEFAULT_TEMPERATURE = 0.5
DEFAULT_MAX_TOKENS = 1500


@dataclass(frozen=True)
class AggregatorConfig:
    strategy: str = DEFAULT_STRATEGY
    conflict_resolution: str = "llm"
    deduplication: str = "none"
    summarization: bool = False
    max_input_sources: int | None = None
    similarity_threshold: float = DEFAULT_SIMILARITY_THRESHOLD
    source_weights: Mapping[str, float] = field(default_factory=dict)
    consensus_threshold: float = DEFAULT_CONSENSUS_THRESHOLD
    on_tie: str = "lexicographic"
    on_disagreement: str = "fail"

    @property
    def voting(self) -> bool:
        return self.strategy in VOTING_STRATEGIES

    @classmethod
    def read(cls, block: Mapping[str, Any]) -> AggregatorConfig:
        max_sources = block.get("max_input_sources")
        return cls(
            strategy=str(block.get("aggregation_strategy", DEFAULT_STRATEGY)),
            conflict_resolution=str(block.get("conflict_resolution", "llm")),
            deduplication=str(block.get("deduplication_method", "none")),
            summarization=bool(block.get("summarization_enabled", False)),
            max_input_sources=int(max_sources) if max_sources is not None else None,
            similarity_threshold=float(block.get("semantic_similarity_threshold", DEFAULT_SIMILARITY_THRESHOLD)),
            source_weights={str(k): float(v) for k, v in dict(block.get("source_weights") or {}).items()},
            consensus_threshold=float(block.get("consensus_threshold", DEFAULT_CONSENSUS_THRESHOLD)),
            on_tie=str(block.get("on_tie", "lexicographic")),
            on_disagreement=str(block.get("on_disagreement", "fail")),
        )
