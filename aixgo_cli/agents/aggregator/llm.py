"""The five LLM strategies. Each prepares the inputs its own way, then makes one final structured call.

- consensus: the inputs as they are; the model finds the common ground and settles conflicts.
- weighted: the inputs ordered by weight (highest first, input order on ties), weights shown.
- semantic: the inputs clustered by text similarity (`semantic_similarity_threshold`), one call that sees
  every cluster with its members.
- hierarchical: while more than three texts remain, groups of three (in input order) are each
  summarised by one plain call; the final call combines what is left. Three inputs or fewer go straight
  to the final call, since summarising them first would only add a call that sees the same texts.
- rag_based: the inputs as retrieved documents, ranked by weight, then by how much they agree with the
  others, then input order; numbered [1]..[n] and cited by number in the answer.

Every call goes through `invocation.llm`, so it is journaled and replayed on resume; the grouping and
ranking depend on the inputs alone, so a resumed run makes the same calls in the same order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from aixgo_cli.agents.aggregator import prompts
from aixgo_cli.agents.aggregator.config import AggregatorConfig
from aixgo_cli.agents.aggregator.inputs import AgentInput
from aixgo_cli.agents.aggregator.similarity import clusters, similarity
from aixgo_cli.agents.base import Invocation
from aixgo_cli.agents.prompts import chat_request
from aixgo_cli.agents.structured import complete_structured
from aixgo_cli.errors import RunError, resume_step
from aixgo_cli.providers.types import ChatMessage

GROUP_SIZE = 3
CORE_CONCEPT_CHARS = 120
_CITATION = re.compile(r"\[(\d+)\]")


@dataclass
class Synthesis:
    content: str
    conflicts: list[dict[str, Any]]
    summary: str
    semantic_clusters: list[dict[str, Any]] = field(default_factory=list)
    citations: list[dict[str, Any]] | None = None


def run_llm_strategy(invocation: Invocation, config: AggregatorConfig, inputs: list[AgentInput]) -> Synthesis:
    strategy = config.strategy
    if strategy == "weighted":
        ordered = sorted(inputs, key=lambda i: -i.weight)  # stable: input order among equal weights
        return _final(invocation, config, prompts.weighted_user(ordered))
    if strategy == "semantic":
        return _semantic(invocation, config, inputs)
    if strategy == "hierarchical":
        return _hierarchical(invocation, config, inputs)
    if strategy == "rag_based":
        return _rag(invocation, config, inputs)
    return _final(invocation, config, prompts.consensus_user(inputs))


def _task(invocation: Invocation) -> str | None:
    template = invocation.spec.prompt
    return invocation.render(template, invocation.template_context()) if template else None


def _final(invocation: Invocation, config: AggregatorConfig, user: str) -> Synthesis:
    system = prompts.system_prompt(
        config.strategy, config.conflict_resolution, summarise=config.summarization, task=_task(invocation)
    )
    messages = [ChatMessage(role="system", content=system), ChatMessage(role="user", content=user)]
    schema = prompts.result_schema(summarise=config.summarization)
    reply = complete_structured(invocation, messages, schema, what="aggregation")
    data = reply.data
    conflicts = [
        {
            "topic": str(c.get("topic", "")),
            "conflicting_sources": [str(s) for s in c.get("conflicting_sources", [])],
            "resolution": str(c.get("resolution", "")),
            "reasoning": str(c.get("reasoning", "")),
        }
        for c in data.get("conflicts_resolved", [])
    ]
    summary = str(data.get("summary_insights", "")) if config.summarization else ""
    return Synthesis(str(data["aggregated_content"]).strip(), conflicts, summary.strip())


def _semantic(invocation: Invocation, config: AggregatorConfig, inputs: list[AgentInput]) -> Synthesis:
    found = clusters([i.content for i in inputs], config.similarity_threshold)
    described = []
    shown: list[tuple[str, float, Sequence[AgentInput]]] = []
    for number, cluster in enumerate(found, start=1):
        members = [inputs[i] for i in cluster.members]
        cluster_id = f"cluster_{number}"
        shown.append((cluster_id, cluster.avg_similarity, members))
        core = " ".join(inputs[cluster.core].content.split())
        described.append(
            {
                "cluster_id": cluster_id,
                "member_agents": [m.source for m in members],
                "core_concept": core if len(core) <= CORE_CONCEPT_CHARS else core[: CORE_CONCEPT_CHARS - 1] + "…",
                "avg_similarity": round(cluster.avg_similarity, 4),
            }
        )
    synthesis = _final(invocation, config, prompts.semantic_user(shown))
    synthesis.semantic_clusters = described
    return synthesis


def _hierarchical(invocation: Invocation, config: AggregatorConfig, inputs: list[AgentInput]) -> Synthesis:
    items = [(f"source {i.source}", i.content) for i in inputs]
    level = 0
    while len(items) > GROUP_SIZE:
        level += 1
        next_items = []
        for start in range(0, len(items), GROUP_SIZE):
            group = items[start : start + GROUP_SIZE]
            label = f"summary {level}.{start // GROUP_SIZE + 1} of " + "; ".join(name for name, _ in group)
            next_items.append((label, _summarise(invocation, group, label)))
        items = next_items
    return _final(invocation, config, prompts.hierarchical_user(items))


def _summarise(invocation: Invocation, group: Sequence[tuple[str, str]], label: str) -> str:
    messages = [
        ChatMessage(role="system", content=prompts.GROUP_SYSTEM),
        ChatMessage(role="user", content=prompts.group_user(group)),
    ]
    response = invocation.llm.complete(chat_request(invocation, messages), on_token=invocation.on_token)
    text = (response.content or "").strip()
    if not text:
        raise RunError(
            f"the model returned an empty {label}",
            hint="retry with:",
            next_step=resume_step(note=", or choose another aggregation_strategy"),
        )
    return text


def _rag(invocation: Invocation, config: AggregatorConfig, inputs: list[AgentInput]) -> Synthesis:
    centrality = []
    for i, item in enumerate(inputs):
        others = [similarity(item.content, o.content) for j, o in enumerate(inputs) if j != i]
        centrality.append(sum(others) / len(others) if others else 1.0)
    order = sorted(range(len(inputs)), key=lambda i: (-inputs[i].weight, -centrality[i], i))
    documents = [(rank, inputs[i], inputs[i].weight) for rank, i in enumerate(order, start=1)]
    synthesis = _final(invocation, config, prompts.rag_user(documents))
    cited = {int(n) for n in _CITATION.findall(synthesis.content)}
    synthesis.citations = [
        {"ref": n, "source": item.source, "score": round(score, 4), "cited": n in cited} for n, item, score in documents
    ]
    return synthesis
