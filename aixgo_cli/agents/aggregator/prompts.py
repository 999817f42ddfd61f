"""The words the LLM strategies send, and the JSON shape they ask back, kept apart from the control flow.

Each final call asks for the same structured reply, {aggregated_content, conflicts_resolved,
summary_insights}, whatever the strategy, so every strategy yields the same result shape and a reply
that breaks it is retried with the validation errors fed back (agents/structured.py). Source names
and texts are quoted as data between delimiters, never spliced in as instructions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aixgo_cli.agents.aggregator.inputs import AgentInput

SYSTEM = {
    "consensus": "You combine the answers of several agents into one consensus answer. Identify the common "
    "ground, settle conflicts with reasons, and keep every fact that is supported.",
    "weighted": "You combine the answers of several agents, each with a weight that says how much it counts. "
    "Give more prominence to higher-weighted sources while still using what every source contributes.",
    "semantic": "You combine the answers of several agents that have been grouped into clusters of similar "
    "answers. Represent every cluster, keep the relationships between their ideas, and write one coherent answer.",
    "hierarchical": "You write the final answer from summaries of groups of agent answers. Keep what the "
    "summaries agree on, settle what they dispute, and keep the structure of the information.",
    "rag_based": "You answer from retrieved documents only. Use the documents as the sole source of facts, "
    "prefer higher-ranked documents when they disagree, and cite every claim with its document number, "
    "e.g. [1] or [2][3].",
}

GROUP_SYSTEM = (
    "Summarise the following agent answers concisely in one paragraph: keep every distinct claim, note "
    "where they disagree, and add nothing of your own."
)

CONFLICT_RULES = {
    "llm": "Where sources disagree, decide which claim is better supported, and record each conflict in "
    "conflicts_resolved with your resolution and reasoning.",
    "highest_confidence": "Where sources disagree, settle each conflict in favour of the source with the higher "
    "confidence or weight, and record it in conflicts_resolved.",
    "majority": "Where sources disagree, settle each conflict in favour of the view held by more sources (the "
    "better supported one on an even split), and record it in conflicts_resolved.",
    "report": "Do not settle disagreements: present each side in aggregated_content and record every conflict "
    'in conflicts_resolved with resolution "unresolved".',
}


def result_schema(*, summarise: bool) -> dict[str, Any]:
    conflict = {
        "type": "object",
        "properties": {
            "topic": {"type": "string"},
            "conflicting_sources": {"type": "array", "items": {"type": "string"}},
            "resolution": {"type": "string"},
            "reasoning": {"type": "string"},
        },
        "required": ["topic", "conflicting_sources", "resolution", "reasoning"],
    }
    properties: dict[str, Any] = {
        "aggregated_content": {"type": "string", "minLength": 1},
        "conflicts_resolved": {"type": "array", "items": conflict},
    }
    required = ["aggregated_content", "conflicts_resolved"]
    if summarise:
        properties["summary_insights"] = {"type": "string"}
        required.append("summary_insights")
    return {"type": "object", "properties": properties, "required": required}


def system_prompt(strategy: str, conflict_resolution: str, *, summarise: bool, task: str | None) -> str:
    parts = [SYSTEM[strategy], CONFLICT_RULES[conflict_resolution]]
    if summarise:
        parts.append(
            "In summary_insights, give two or three sentences on what the sources agree on and where they differ."
        )
    if task:
        parts.append("Instructions from the workflow:\n" + task)
    return "\n\n".join(parts)


def quoted(label: str, text: str) -> str:
    return f"<<<{label}>>>\n{text}\n<<<end>>>"


def sources_prompt(inputs: Sequence[AgentInput], *, show: str = "confidence") -> str:
    """Each input as a labelled, delimited block: its confidence (and its weight where source_weights
    changed it), or with `show="weight"` its weight alone."""
    blocks = []
    for item in inputs:
        if show == "weight":
            label = f"source {item.source}, weight {item.weight:.2f}"
        else:
            label = f"source {item.source}, confidence {item.confidence:.2f}"
            if item.weight != item.confidence:
                label += f", weight {item.weight:.2f}"
        blocks.append(quoted(label, item.content))
    return "\n\n".join(blocks)


def consensus_user(inputs: Sequence[AgentInput]) -> str:
    return (
        f"Answers from {len(inputs)} agents:\n\n{sources_prompt(inputs)}\n\n"
        "Find the consensus: common themes first, then each conflict and how it is settled, then one unified answer."
    )


def weighted_user(inputs: Sequence[AgentInput]) -> str:
    return (
        f"Answers from {len(inputs)} agents, highest weight first:\n\n{sources_prompt(inputs, show='weight')}\n\n"
        "Write one unified answer that reflects the weights."
    )


def semantic_user(clusters: Sequence[tuple[str, float, Sequence[AgentInput]]]) -> str:
    blocks = []
    for cluster_id, avg, members in clusters:
        names = ", ".join(m.source for m in members)
        body = "\n\n".join(quoted(f"source {m.source}", m.content) for m in members)
        blocks.append(f"{cluster_id} (members: {names}; mean similarity {avg:.2f}):\n{body}")
    return (
        f"{len(clusters)} clusters of similar answers:\n\n" + "\n\n".join(blocks) + "\n\n"
        "Write one answer that represents each cluster appropriately and explains how they relate."
    )


def group_user(items: Sequence[tuple[str, str]]) -> str:
    return "\n\n".join(quoted(label, text) for label, text in items)


def hierarchical_user(items: Sequence[tuple[str, str]]) -> str:
    return f"{len(items)} summaries:\n\n{group_user(items)}\n\nWrite the final combined answer."


def rag_user(documents: Sequence[tuple[int, AgentInput, float]]) -> str:
    blocks = [quoted(f"[{n}] source {item.source}, score {score:.2f}", item.content) for n, item, score in documents]
    return (
        "Retrieved documents, best ranked first:\n\n" + "\n\n".join(blocks) + "\n\n"
        "Write one answer from these documents. Cite the documents that support each claim as [n]."
    )
