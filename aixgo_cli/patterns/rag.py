"""rag: retrieve documents for the input, optionally rerank them, then generate an answer from them.

The retriever is a `knowledge:` index (searched directly: no model call) or an agent or flow whose output
is the documents. Variants kept from Go aixgo: multi-query (an `expander` agent rewrites the input into
several queries; each is retrieved and the rankings are fused by reciprocal rank fusion, k = `rrf_k`)
and reranking (a `reranker` agent answers with document numbers, best first). The generator receives
`Context:` with the numbered documents, then `Query:` with the input, as in Go's RAG pattern.

Every step runs through `Members`, so retrievals, reranking and generation are journaled units and a
resumed run replays the documents it had found. Places: expander `/0`, the i-th query's retrieval
`/1.i`, reranker `/2`, generator `/3`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aixgo_cli.patterns.base import Flow, Members, PatternDef, member_place

DEFAULT_TOP_K = 5
DEFAULT_MAX_QUERIES = 3
DEFAULT_RRF_K = 60
_NUMBER = re.compile(r"\d+")


@dataclass(frozen=True)
class RagConfig:
    retriever: str
    generator: str
    reranker: str | None = None
    expander: str | None = None
    top_k: int = DEFAULT_TOP_K
    max_queries: int = DEFAULT_MAX_QUERIES
    rrf_k: int = DEFAULT_RRF_K
    filters: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def read(cls, raw: Mapping[str, Any]) -> RagConfig:
        return cls(
            retriever=str(raw["retriever"]),
            generator=str(raw["generator"]),
            reranker=str(raw["reranker"]) if raw.get("reranker") else None,
            expander=str(raw["expander"]) if raw.get("expander") else None,
            top_k=int(raw.get("top_k") or DEFAULT_TOP_K),
            max_queries=int(raw.get("max_queries") or DEFAULT_MAX_QUERIES),
            rrf_k=int(raw.get("rrf_k") or DEFAULT_RRF_K),
            filters=dict(raw.get("filters") or {}),
        )


def run_rag(flow: Flow[RagConfig], payload: Any, place: str, members: Members, seen: Mapping[str, Any]) -> Any:
    config = flow.config
    query = _text(payload)
    queries = [query]
    if config.expander:
        expanded = members.run(config.expander, query, member_place(place, 0, config.expander), seen)
        queries += [q for q in parse_queries(expanded) if q != query][: config.max_queries]
    # A reranker gets more to choose from than it passes on.
    depth = config.top_k * 2 if config.reranker else config.top_k
    rankings = []
    for index, text in enumerate(queries):
        request: dict[str, Any] = {"query": text, "top_k": depth}
        if config.filters:
            request["filters"] = dict(config.filters)
        found = members.run(config.retriever, request, f"{place}/1.{index}:{config.retriever}", seen)
        rankings.append(parse_documents(found))
    documents = fuse(rankings, config.rrf_k) if len(rankings) > 1 else rankings[0]
    if config.reranker:
        prompt = rerank_prompt(query, documents)
        answer = members.run(config.reranker, prompt, member_place(place, 2, config.reranker), seen)
        documents = reorder(documents, answer)
    documents = documents[: config.top_k]
    return members.run(
        config.generator, context_prompt(query, documents), member_place(place, 3, config.generator), seen
    )


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def parse_queries(value: Any) -> list[str]:
    """An expander's answer: a JSON list of strings, `{queries: [...]}`, or one query per line."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            lines = [re.sub(r"^\s*(?:[-*]|\d+[.)])\s*", "", line).strip() for line in value.splitlines()]
            return list(dict.fromkeys(line for line in lines if line))
    if isinstance(value, dict):
        value = value.get("queries", [])
    if isinstance(value, list):
        return list(dict.fromkeys(str(q).strip() for q in value if str(q).strip()))
    return []


def parse_documents(value: Any) -> list[dict[str, Any]]:
    """A retriever's output as documents: `{documents: [...]}`, a list, or text split on `---` lines."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            parts = re.split(r"\n\s*---+\s*\n", value)
            return [{"text": part.strip()} for part in parts if part.strip()]
    if isinstance(value, dict):
        value = value.get("documents", [value])
    if not isinstance(value, list):
        return [{"text": _text(value)}]
    return [dict(item) if isinstance(item, dict) and "text" in item else {"text": _text(item)} for item in value]


def _identity(document: Mapping[str, Any]) -> str:
    return _text([document.get("source"), document.get("line_start"), document.get("record"), document.get("text")])


def fuse(rankings: list[list[dict[str, Any]]], k: int) -> list[dict[str, Any]]:
    """Reciprocal rank fusion of several document lists; ties keep first-seen order."""
    scores: dict[str, float] = {}
    first: dict[str, dict[str, Any]] = {}
    for ranking in rankings:
        for rank, document in enumerate(ranking, start=1):
            key = _identity(document)
            first.setdefault(key, document)
            scores[key] = scores.get(key, 0.0) + 1.0 / (k + rank)
    order = sorted(first, key=lambda key: -scores[key])  # sorted() is stable: ties keep first-seen order
    return [{**first[key], "score": round(scores[key], 6)} for key in order]


def _label(number: int, document: Mapping[str, Any]) -> str:
    where = document.get("source")
    if where and document.get("line_start"):
        start, end = document["line_start"], document.get("line_end") or document["line_start"]
        where = f"{where}:{start}" + (f"-{end}" if end != start else "")
    return f"[{number}]" + (f" ({where})" if where else "")


def numbered(documents: list[dict[str, Any]]) -> str:
    return "\n\n".join(f"{_label(i, d)}\n{d.get('text', '')}" for i, d in enumerate(documents, start=1))


def rerank_prompt(query: str, documents: list[dict[str, Any]]) -> str:
    return (
        f"Query:\n{query}\n\nDocuments:\n{numbered(documents)}\n\n"
        "Answer with the numbers of the documents that help answer the query, most useful first, "
        "as a JSON list such as [3, 1]."
    )


def reorder(documents: list[dict[str, Any]], answer: Any) -> list[dict[str, Any]]:
    """Documents in the order of the numbers in `answer`; those it does not name follow, in order."""
    text = _text(answer)
    chosen: list[int] = []
    for match in _NUMBER.findall(text):
        number = int(match)
        if 1 <= number <= len(documents) and number - 1 not in chosen:
            chosen.append(number - 1)
    rest = [i for i in range(len(documents)) if i not in chosen]
    return [documents[i] for i in chosen + rest]


def context_prompt(query: str, documents: list[dict[str, Any]]) -> str:
    context = numbered(documents) if documents else "(no documents found)"
    return f"Context:\n{context}\n\nQuery:\n{query}"


RAG = PatternDef(RagConfig.read, run_rag)
