"""The typed view of one `knowledge:` entry, with the defaults the format documents."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aixgo_cli.config.model import Workflow
from aixgo_cli.errors import UserError
from aixgo_cli.paths import data_home

DEFAULT_CHUNK_SIZE = 1000
DEFAULT_OVERLAP = 100
DEFAULT_TOP_K = 5
DEFAULT_RRF_K = 60
DEFAULT_BATCH_SIZE = 64
FORMATS = ("text", "markdown", "jsonl", "html")
_SUFFIX_FORMATS = {".md": "markdown", ".markdown": "markdown", ".jsonl": "jsonl", ".html": "html", ".htm": "html"}


def format_for(path: str, declared: str | None) -> str:
    if declared:
        return declared
    suffix = Path(path).suffix.lower()
    return _SUFFIX_FORMATS.get(suffix, "text")


@dataclass(frozen=True)
class SourceSpec:
    path: str  # a file or a glob, relative to the workflow's folder
    format: str | None = None  # None: from the file's suffix
    text_field: str = "text"
    metadata_fields: tuple[str, ...] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ChunkingSpec:
    size: int = DEFAULT_CHUNK_SIZE  # characters
    overlap: int = DEFAULT_OVERLAP
    by_heading: bool = True

    def to_json(self) -> dict[str, Any]:
        return {"size": self.size, "overlap": self.overlap, "by_heading": self.by_heading}


@dataclass(frozen=True)
class IndexSpec:
    name: str
    base_dir: Path
    workflow_name: str
    workflow_path: Path | None
    sources: tuple[SourceSpec, ...]
    chunking: ChunkingSpec
    embedding_model: str | None
    batch_size: int
    mode: str  # the default search mode: keyword | vector | hybrid
    top_k: int
    rrf_k: int
    on_stale: str  # build | refuse
    description: str = ""

    def rule_hash(self, source: SourceSpec) -> str:
        """What a file's chunks depend on besides its content: chunking and the source's settings."""
        rule = {
            "chunking": self.chunking.to_json(),
            "format": source.format,
            "text_field": source.text_field,
            "metadata_fields": list(source.metadata_fields),
            "metadata": dict(source.metadata),
        }
        return hashlib.sha256(json.dumps(rule, sort_keys=True).encode()).hexdigest()[:16]

    @property
    def store_path(self) -> Path:
        """`<AIXGO_HOME>/knowledge/<workflow>-<hash of its path>/<index>.sqlite`: beside the run journal."""
        where = str(self.workflow_path or self.base_dir)
        digest = hashlib.sha256(where.encode()).hexdigest()[:10]
        return data_home() / "knowledge" / f"{self.workflow_name}-{digest}" / f"{self.name}.sqlite"


def index_specs(workflow: Workflow) -> dict[str, IndexSpec]:
    raw = workflow.raw.get("knowledge") or {}
    return {name: _index(name, dict(body), workflow) for name, body in raw.items()}


def index_spec(workflow: Workflow, name: str) -> IndexSpec:
    specs = index_specs(workflow)
    if name not in specs:
        known = ", ".join(sorted(specs)) or "none"
        raise UserError(
            f"workflow '{workflow.name}' has no knowledge index '{name}' (indexes: {known})",
            hint="name one of the indexes under `knowledge:` in the workflow",
        )
    return specs[name]


def _index(name: str, body: dict[str, Any], workflow: Workflow) -> IndexSpec:
    chunking = body.get("chunking") or {}
    embedding = body.get("embedding") or {}
    search = body.get("search") or {}
    model = embedding.get("model")
    mode = search.get("mode") or ("hybrid" if model else "keyword")
    return IndexSpec(
        name=name,
        base_dir=workflow.base_dir,
        workflow_name=workflow.name,
        workflow_path=workflow.path,
        sources=tuple(_source(s) for s in body.get("sources", [])),
        chunking=ChunkingSpec(
            size=int(chunking.get("size", DEFAULT_CHUNK_SIZE)),
            overlap=int(
                chunking.get("overlap", min(DEFAULT_OVERLAP, int(chunking.get("size", DEFAULT_CHUNK_SIZE)) // 4))
            ),
            by_heading=bool(chunking.get("by_heading", True)),
        ),
        embedding_model=model,
        batch_size=int(embedding.get("batch_size", DEFAULT_BATCH_SIZE)),
        mode=str(mode),
        top_k=int(search.get("top_k", DEFAULT_TOP_K)),
        rrf_k=int(search.get("rrf_k", DEFAULT_RRF_K)),
        on_stale=str(body.get("on_stale", "build")),
        description=str(body.get("description", "")),
    )


def _source(body: Any) -> SourceSpec:
    if isinstance(body, str):
        return SourceSpec(path=body)
    return SourceSpec(
        path=str(body["path"]),
        format=body.get("format"),
        text_field=str(body.get("text_field", "text")),
        metadata_fields=tuple(body.get("metadata_fields", ())),
        metadata=dict(body.get("metadata", {})),
    )
