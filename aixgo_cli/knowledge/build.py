"""Building an index incrementally, and telling whether it is up to date.

A build reads every source file and hashes it; only a file whose content hash or chunking rule changed is
re-chunked (its chunks are swapped in one transaction), and only chunk texts that have no vector yet are
embedded, in batches of `batch_size`, each batch stored with its journal line as soon as it returns. So
a build killed at any point loses at most the batch in flight, and the next build continues from there.
Changing the embedding model drops the old vectors (vectors of two models are not comparable).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from aixgo_cli.errors import UserError
from aixgo_cli.knowledge.chunking import chunk_file
from aixgo_cli.knowledge.sources import read_source, source_files
from aixgo_cli.knowledge.spec import IndexSpec, format_for
from aixgo_cli.knowledge.vectors import to_blob
from aixgo_cli.providers.embeddings import EmbeddingClient
from aixgo_cli.store.knowledge_index import KnowledgeIndexStore

Progress = Callable[[str, int, int], None]  # (phase, done, total)


@dataclass
class BuildReport:
    index: str
    files: int = 0
    files_changed: int = 0
    files_removed: int = 0
    chunks_written: int = 0
    texts_embedded: int = 0
    embedding_requests: int = 0
    tokens: int = 0
    cost_usd: float = 0.0
    duration_s: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class IndexState:
    index: str
    path: str
    stale: bool
    changed: list[str] = field(default_factory=list)  # new or edited files
    removed: list[str] = field(default_factory=list)
    counts: dict[str, Any] = field(default_factory=dict)
    embedding_model: str | None = None

    @property
    def reasons(self) -> list[str]:
        out = []
        if self.changed:
            out.append(f"{len(self.changed)} new or changed file(s)")
        if self.removed:
            out.append(f"{len(self.removed)} removed file(s)")
        if self.counts.get("model_changed"):
            out.append("the embedding model changed")
        elif self.embedding_model and self.counts.get("chunks_without_vectors"):
            out.append(f"{self.counts['chunks_without_vectors']} chunk(s) not embedded yet")
        return out

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["reasons"] = self.reasons
        return data


def index_state(spec: IndexSpec, store: KnowledgeIndexStore) -> IndexState:
    """Compare the sources with what the index holds (reads and hashes every source file)."""
    indexed = store.file_hashes()
    changed, seen = [], set()
    for file in source_files(spec):
        seen.add(file.relative)
        _, digest = read_source(spec, file)
        if indexed.get(file.relative) != (digest, spec.rule_hash(file.source)):
            changed.append(file.relative)
    removed = sorted(set(indexed) - seen)
    counts = store.counts()
    model_changed = bool(spec.embedding_model) and store.get_meta("embedding_model") != spec.embedding_model
    counts["model_changed"] = model_changed and counts["chunks"] > 0
    pending = bool(spec.embedding_model) and (counts["chunks_without_vectors"] > 0 or counts["model_changed"])
    return IndexState(
        index=spec.name,
        path=str(store.path),
        stale=bool(changed or removed or pending),
        changed=changed,
        removed=removed,
        counts=counts,
        embedding_model=spec.embedding_model,
    )


def build_index(
    spec: IndexSpec,
    store: KnowledgeIndexStore,
    embedder: EmbeddingClient | None,
    *,
    progress: Progress | None = None,
) -> BuildReport:
    started = time.perf_counter()
    report = BuildReport(index=spec.name)
    files = source_files(spec)
    report.files = len(files)
    indexed = store.file_hashes()
    for done, file in enumerate(files, start=1):
        data, digest = read_source(spec, file)
        rule = spec.rule_hash(file.source)
        if indexed.get(file.relative) != (digest, rule):
            fmt = format_for(file.relative, file.source.format)
            chunks = chunk_file(data, file.relative, fmt, file.source, spec.chunking)
            report.chunks_written += store.replace_file(file.relative, digest, rule, chunks)
            report.files_changed += 1
        if progress is not None:
            progress("reading", done, len(files))
    current = {f.relative for f in files}
    for path in sorted(set(indexed) - current):
        store.remove_file(path)
        report.files_removed += 1
    if spec.embedding_model:
        _embed_missing(spec, store, embedder, report, progress)
    store.prune_vectors()
    store.set_meta("built_at", str(time.time()))
    report.duration_s = time.perf_counter() - started
    return report


def _embed_missing(
    spec: IndexSpec,
    store: KnowledgeIndexStore,
    embedder: EmbeddingClient | None,
    report: BuildReport,
    progress: Progress | None,
) -> None:
    model = spec.embedding_model
    assert model is not None
    if store.get_meta("embedding_model") != model:
        store.drop_vectors()
        store.set_meta("embedding_model", model)
    pending = store.texts_without_vectors()
    if pending and embedder is None:
        raise UserError(
            f"knowledge '{spec.name}' needs embeddings from {model}, but no embedding client is available",
            hint="run: aixgo index build WORKFLOW",
        )
    assert embedder is not None or not pending
    dimensions = store.get_meta("dimensions")
    for start in range(0, len(pending), spec.batch_size):
        batch = pending[start : start + spec.batch_size]
        assert embedder is not None
        result = embedder.embed(model, [text for _, text in batch])
        width = len(result.vectors[0])
        if dimensions is None:
            dimensions = str(width)
            store.set_meta("dimensions", dimensions)
        elif int(dimensions) != width:
            raise UserError(
                f"knowledge '{spec.name}': {model} returned {width}-dimensional vectors, the index holds {dimensions}",
                hint="rebuild from scratch: aixgo index rm WORKFLOW, then aixgo index build WORKFLOW",
            )
        usage = result.usage
        store.add_vectors(
            [(text_hash, to_blob(vector)) for (text_hash, _), vector in zip(batch, result.vectors, strict=True)],
            (model, len(batch), usage.prompt_tokens, usage.cost_usd, result.attempts),
        )
        report.texts_embedded += len(batch)
        report.embedding_requests += 1
        report.tokens += usage.prompt_tokens
        report.cost_usd += usage.cost_usd
        if progress is not None:
            progress("embedding", min(start + spec.batch_size, len(pending)), len(pending))
