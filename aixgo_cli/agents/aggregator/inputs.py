"""What the aggregator combines: its input, whatever shape it arrived in, as a list of `AgentInput`.

An aggregator is reached three ways, and each hands it its sources differently:
- in the agent graph with several data sources, `invocation.sources` maps each source to its output;
- after a `parallel` flow (in a `sequential` one), the payload is a mapping of member name -> output;
- a list payload (a producer's items, `--input` JSON) is one input per element.
Anything else is a single input. A mapping counts as a map of sources only when every key names an agent
or flow of the workflow: a classifier's `{category, confidence, ...}` is one input, not three.

Each output becomes {source, content, vote, confidence, weight, metadata}. A JSON object (or a string
holding one) gives its `confidence` field, its text field (`content`, `answer`, `text`,
`aggregated_content` or `result`) and, for votes, its `category` (how a classifier votes; a multi-label
classifier's `categories` vote as one answer, their sorted names joined by ", ", with their mean
confidence). A source's
`source_weights` entry replaces its confidence wherever confidence counts ("this source is worth more").
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aixgo_cli.agents.aggregator.config import DEFAULT_CONFIDENCE, AggregatorConfig
from aixgo_cli.agents.aggregator.similarity import normalise, similarity
from aixgo_cli.agents.base import Invocation, as_text
from aixgo_cli.errors import RunError, resume_step

CONTENT_KEYS = ("content", "answer", "text", "aggregated_content", "result")


@dataclass(frozen=True)
class AgentInput:
    source: str
    content: str  # the text a model sees and similarity compares
    vote: str  # the answer this input votes for (a classifier's category), as written
    confidence: float  # from the output's `confidence` field, else the default 0.5
    weight: float  # the source's weight when source_weights names it, else its confidence
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Prepared:
    inputs: list[AgentInput]
    excluded: list[dict[str, str]]  # {source, reason}: dropped by max_input_sources or deduplication


def raw_sources(invocation: Invocation) -> list[tuple[str, Any]]:
    """(source name, output) pairs in their natural order (file order, member order, list order)."""
    if invocation.sources:
        return list(invocation.sources.items())
    payload = invocation.payload
    workflow = invocation.workflow
    members = set(workflow.agents) | set(workflow.flows)
    if isinstance(payload, Mapping) and payload and all(isinstance(k, str) and k in members for k in payload):
        return [(str(k), v) for k, v in payload.items()]
    if isinstance(payload, list):
        out: list[tuple[str, Any]] = []
        for index, item in enumerate(payload):
            named = isinstance(item, Mapping) and isinstance(item.get("source"), str)
            out.append((str(item["source"]) if named else f"input[{index}]", item))
        return out
    name = "input"
    if workflow.orchestration is None and invocation.spec.name in workflow.agents:
        feeding = workflow.data_sources(invocation.spec.name)
        if len(feeding) == 1:
            name = feeding[0]
    return [(name, payload)]


def to_input(source: str, value: Any, config: AggregatorConfig) -> AgentInput:
    data: Mapping[str, Any] | None = None
    text: str | None = None
    if isinstance(value, Mapping):
        data = value
    elif isinstance(value, str):
        text = value
        if value.lstrip().startswith("{"):
            try:
                parsed = json.loads(value)
            except json.JSONDecodeError:
                parsed = None
            data = parsed if isinstance(parsed, dict) else None
    else:
        text = as_text(value)
    confidence = DEFAULT_CONFIDENCE
    content = text if text is not None else as_text(value)
    vote = content
    if data is not None:
        found = next((data[k] for k in CONTENT_KEYS if isinstance(data.get(k), str)), None)
        if found is not None:
            content = vote = found
        stated = _number(data.get("confidence"), -1.0) >= 0
        confidence = _number(data.get("confidence"), DEFAULT_CONFIDENCE)
        if isinstance(data.get("category"), str):
            vote = data["category"]
        else:
            labels = _labels(data.get("categories"))
            if labels:  # a multi-label classifier votes for its set of labels
                vote = ", ".join(sorted(name for name, _ in labels))
                if not stated:
                    confidence = sum(c for _, c in labels) / len(labels)
    weight = config.source_weights.get(source, confidence)
    return AgentInput(source, content.strip(), vote.strip(), confidence, weight, dict(data or {}))


def _number(value: Any, default: float) -> float:
    """A JSON number clamped to 0..1, else the default (booleans are not numbers here)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return min(1.0, max(0.0, float(value)))
    return default


def _labels(value: Any) -> list[tuple[str, float]]:
    """[{category, confidence}, ...] -> [(name, confidence)]; anything else -> []."""
    if not isinstance(value, list) or not value:
        return []
    out = []
    for label in value:
        if not isinstance(label, Mapping) or not isinstance(label.get("category"), str):
            return []
        out.append((str(label["category"]), _number(label.get("confidence"), DEFAULT_CONFIDENCE)))
    return out


def prepare(invocation: Invocation, config: AggregatorConfig) -> Prepared:
    pairs = raw_sources(invocation)
    if not pairs or all(v is None or (isinstance(v, str) and not v.strip()) for _, v in pairs):
        raise RunError(
            "the aggregator received no input to combine",
            hint="connect its sources (inputs:/outputs:) or place it after a parallel flow; then:",
            next_step=resume_step(),
        )
    excluded: list[dict[str, str]] = []
    if config.max_input_sources is not None and len(pairs) > config.max_input_sources:
        for source, _ in pairs[config.max_input_sources :]:
            excluded.append({"source": source, "reason": f"max_input_sources is {config.max_input_sources}"})
        pairs = pairs[: config.max_input_sources]
    inputs = [to_input(source, value, config) for source, value in pairs]
    if not config.voting:  # votes are never dropped: a duplicate answer is a second vote for it
        inputs, dropped = deduplicate(inputs, config.deduplication, config.similarity_threshold)
        excluded.extend(dropped)
    return Prepared(inputs, excluded)


def deduplicate(
    inputs: Sequence[AgentInput], method: str, threshold: float
) -> tuple[list[AgentInput], list[dict[str, str]]]:
    """Keep the first of each group of duplicates (input order); `exact` compares normalised text,
    `semantic` drops an input whose similarity to an already kept one reaches `threshold`."""
    if method == "none":
        return list(inputs), []
    kept: list[AgentInput] = []
    keys: list[str] = []
    dropped: list[dict[str, str]] = []
    for item in inputs:
        key = normalise(item.content)
        original = None
        for index, seen in enumerate(keys):
            if key == seen or (method == "semantic" and similarity(key, seen, normalised=True) >= threshold):
                original = kept[index]
                break
        if original is None:
            kept.append(item)
            keys.append(key)
        else:
            dropped.append({"source": item.source, "reason": f"duplicate of {original.source} ({method})"})
    return kept, dropped
