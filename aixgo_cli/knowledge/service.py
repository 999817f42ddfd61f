"""The knowledge of one run: indexes opened once, brought up to date before the run, searched by units.

`prepare` runs before the first unit: an index whose sources changed is built (`on_stale: build`, the
default) or the run is refused with the command that builds it (`on_stale: refuse`). Searches are
thread-safe (lanes search concurrently); a query embedding's cost is returned with the hits so the engine
can charge it to the unit that searched.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aixgo_cli.config.model import Workflow
from aixgo_cli.errors import UserError
from aixgo_cli.knowledge.build import BuildReport, Progress, build_index, index_state
from aixgo_cli.knowledge.search import Hit, Searcher
from aixgo_cli.knowledge.spec import IndexSpec, index_specs
from aixgo_cli.providers.embeddings import EmbeddingClient
from aixgo_cli.providers.types import Usage
from aixgo_cli.store.knowledge_index import KnowledgeIndexStore


@dataclass(frozen=True)
class SearchResult:
    hits: list[Hit]
    usage: Usage = field(default_factory=Usage)


class KnowledgeService:
    def __init__(
        self,
        workflow: Workflow,
        embedder: EmbeddingClient | None,
        *,
        progress: Callable[[str], Progress | None] | None = None,
    ) -> None:
        self.specs: dict[str, IndexSpec] = index_specs(workflow)
        self.embedder = embedder
        self._progress = progress
        self._stores: dict[str, KnowledgeIndexStore] = {}
        self._searchers: dict[str, Searcher] = {}
        self._fingerprints: dict[str, str] = {}
        self._lock = threading.RLock()
        self._usage = threading.local()

    def store(self, name: str) -> KnowledgeIndexStore:
        with self._lock:
            if name not in self._stores:
                self._stores[name] = KnowledgeIndexStore(self.specs[name].store_path)
            return self._stores[name]

    def prepare(self) -> list[BuildReport]:
        """Bring every index up to date (or refuse); returns the builds it made."""
        reports = []
        for name, spec in self.specs.items():
            store = self.store(name)
            state = index_state(spec, store)
            if state.stale:
                if spec.on_stale == "refuse":
                    raise UserError(
                        f"knowledge index '{name}' is out of date ({'; '.join(state.reasons)})",
                        hint=f"build it first: aixgo index build {spec.workflow_path or 'WORKFLOW'} {name}",
                    )
                progress = self._progress(name) if self._progress else None
                reports.append(build_index(spec, store, self.embedder, progress=progress))
        return reports

    def fingerprint(self, name: str) -> str:
        """What the index holds, as a short hash: part of a retrieval unit's key, so edited sources re-run it."""
        with self._lock:
            cached = self._fingerprints.get(name)
        if cached is not None:
            return cached
        store = self.store(name)
        files = sorted(store.file_hashes().items())
        digest = hashlib.sha256(json.dumps([files, store.get_meta("embedding_model")]).encode()).hexdigest()[:16]
        with self._lock:
            self._fingerprints[name] = digest
        return digest

    def _searcher(self, name: str) -> Searcher:
        with self._lock:
            searcher = self._searchers.get(name)
            if searcher is None:
                spec = self.specs[name]
                embed = self._query_embedder(spec) if spec.embedding_model else None
                searcher = Searcher(spec, self.store(name), embed)
                if spec.embedding_model:
                    searcher.vectors()  # loaded once, under the lock, before threads share it
                self._searchers[name] = searcher
            return searcher

    def _query_embedder(self, spec: IndexSpec) -> Callable[[str], Sequence[float]]:
        model = spec.embedding_model
        assert model is not None

        def embed(query: str) -> Sequence[float]:
            if self.embedder is None:
                raise UserError(
                    f"knowledge '{spec.name}' searches by meaning, which needs {model}, and no embedding client "
                    "is available (a replayed run makes no network call)",
                    hint="search this index by keyword (mode: keyword), or run without --replay",
                )
            result = self.embedder.embed(model, [query])
            self._usage.value = getattr(self._usage, "value", Usage()) + result.usage
            return result.vectors[0]

        return embed

    def search(
        self,
        name: str,
        query: str,
        *,
        top_k: int | None = None,
        mode: str | None = None,
        filters: Mapping[str, Any] | None = None,
    ) -> SearchResult:
        if name not in self.specs:
            raise UserError(f"there is no knowledge index '{name}'", hint=f"indexes: {', '.join(self.specs) or 'none'}")
        self._usage.value = Usage()
        hits = self._searcher(name).search(query, top_k=top_k, mode=mode, filters=filters)
        return SearchResult(hits, self._usage.value)

    def close(self) -> None:
        with self._lock:
            for store in self._stores.values():
                store.close()
            self._stores.clear()
            self._searchers.clear()


def documents_json(query: str, hits: list[Hit]) -> dict[str, Any]:
    """What a retrieval returns to a workflow: the query and its documents, best first, numbered."""
    return {"query": query, "documents": [{"ref": i, **hit.to_json()} for i, hit in enumerate(hits, start=1)]}
