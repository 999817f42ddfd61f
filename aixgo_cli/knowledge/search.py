"""Keyword (FTS5 BM25), vector (exact cosine) and hybrid search over one index.

Hybrid search fuses the two rankings by reciprocal rank fusion: a chunk scores Σ 1 / (k + rank) over the
lists it appears in (rank from 1; k = `rrf_k`, default 60, as in Cormack et al. and the Go RAG pattern).
RRF needs no score calibration between BM25 and cosine, which live on unrelated scales.

Filters match chunk metadata exactly (a list means any of its values); `source` matches the file path as
a glob (`faq/*.md`). Filter keys come from the model when the retrieval tool is called, so they are
checked against a strict pattern before they reach SQL, and values are always bound parameters.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from aixgo_cli.knowledge.spec import IndexSpec
from aixgo_cli.knowledge.vectors import VectorMatrix
from aixgo_cli.store.knowledge_index import ChunkRow, KnowledgeIndexStore

MODES = ("keyword", "vector", "hybrid")
FILTER_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$")
_WORD = re.compile(r"\w+", re.UNICODE)


class SearchError(ValueError):
    """A search that cannot be made as asked (bad filter, vector search on a keyword-only index)."""


@dataclass(frozen=True)
class Hit:
    source: str
    text: str
    score: float
    heading: str
    line_start: int | None
    line_end: int | None
    byte_start: int | None
    byte_end: int | None
    record: int | None
    metadata: dict[str, Any]
    keyword_rank: int | None = None
    vector_rank: int | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def match_expression(query: str) -> str:
    """An FTS5 query that matches any of the query's words: the text is never parsed as FTS5 syntax."""
    words = dict.fromkeys(w.lower() for w in _WORD.findall(query))
    return " OR ".join('"' + w.replace('"', "") + '"' for w in words)


def filter_sql(filters: Mapping[str, Any]) -> tuple[str, list[Any]]:
    clauses, params = [], []
    for key, wanted in filters.items():
        if not isinstance(key, str) or not FILTER_KEY.match(key):
            raise SearchError(f"filter key {key!r} is not a metadata name (letters, digits, _ and -)")
        values = wanted if isinstance(wanted, list) else [wanted]
        if not values or not all(isinstance(v, str | int | float | bool) for v in values):
            raise SearchError(f"filter '{key}' must be a text, number or boolean, or a list of them")
        if key == "source":
            clauses.append("(" + " OR ".join("c.path GLOB ?" for _ in values) + ")")
        else:
            clauses.append(f"json_extract(c.metadata, '$.\"{key}\"') IN ({','.join('?' * len(values))})")
        params.extend(values)
    return " AND ".join(clauses) or "1", params


class Searcher:
    """Searches one index. `embed_query` turns a query into a vector (None: the index has no embeddings)."""

    def __init__(
        self,
        spec: IndexSpec,
        store: KnowledgeIndexStore,
        embed_query: Callable[[str], Sequence[float]] | None = None,
    ) -> None:
        self.spec = spec
        self.store = store
        self.embed_query = embed_query
        self._matrix: VectorMatrix | None = None
        self._filtered: dict[str, list[int]] = {}  # the index does not change during a run

    def vectors(self) -> VectorMatrix:
        if self._matrix is None:
            self._matrix = VectorMatrix(self.store.chunk_vectors())
        return self._matrix

    def _allowed(self, where: str, params: list[Any]) -> list[int]:
        key = repr((where, params))
        found = self._filtered.get(key)
        if found is None:
            found = self.store.filtered_ids(where, params)
            if len(self._filtered) < 64:
                self._filtered[key] = found
        return found

    def search(
        self,
        query: str,
        *,
        top_k: int | None = None,
        mode: str | None = None,
        filters: Mapping[str, Any] | None = None,
        rrf_k: int | None = None,
    ) -> list[Hit]:
        top_k = top_k or self.spec.top_k
        mode = mode or self.spec.mode
        if mode not in MODES:
            raise SearchError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        if mode != "keyword" and not self.spec.embedding_model:
            raise SearchError(f"knowledge '{self.spec.name}' has no embedding model, so it can only search by keyword")
        where, params = filter_sql(filters) if filters else ("", [])
        depth = top_k if mode != "hybrid" else max(top_k * 5, 50)
        keyword: list[tuple[int, float]] = []
        vector: list[tuple[int, float]] = []
        if mode in ("keyword", "hybrid"):
            expression = match_expression(query)
            keyword = self.store.keyword_search(expression, depth, where, params) if expression else []
        if mode in ("vector", "hybrid"):
            assert self.embed_query is not None, "an index with an embedding model gets a query embedder"
            allowed = self._allowed(where, params) if where else None
            vector = self.vectors().search(self.embed_query(query), depth, allowed) if allowed != [] else []
        if mode == "keyword":
            ranked = keyword
        elif mode == "vector":
            ranked = vector
        else:
            ranked = fuse([keyword, vector], rrf_k or self.spec.rrf_k)
        ranked = ranked[:top_k]
        rows = self.store.chunks([chunk_id for chunk_id, _ in ranked])
        keyword_ranks = {chunk_id: rank for rank, (chunk_id, _) in enumerate(keyword, start=1)}
        vector_ranks = {chunk_id: rank for rank, (chunk_id, _) in enumerate(vector, start=1)}
        return [
            _hit(rows[chunk_id], score, keyword_ranks.get(chunk_id), vector_ranks.get(chunk_id))
            for chunk_id, score in ranked
            if chunk_id in rows
        ]


def fuse(rankings: Sequence[Sequence[tuple[int, float]]], k: int) -> list[tuple[int, float]]:
    """Reciprocal rank fusion of several best-first rankings; ties broken by chunk id."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, (chunk_id, _) in enumerate(ranking, start=1):
            scores[chunk_id] = scores.get(chunk_id, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


def _hit(row: ChunkRow, score: float, keyword_rank: int | None, vector_rank: int | None) -> Hit:
    return Hit(
        source=row.path,
        text=row.text,
        score=round(score, 6),
        heading=row.heading,
        line_start=row.line_start,
        line_end=row.line_end,
        byte_start=row.byte_start,
        byte_end=row.byte_end,
        record=row.record,
        metadata=row.metadata,
        keyword_rank=keyword_rank,
        vector_rank=vector_rank,
    )
