"""`knowledge:` indexes, the retrieval tools that search them and the rag patterns that use them.

Checked here, with positions, so that `validate` reports what `run` and `aixgo index build` would refuse:
source paths that are absolute or climb out of the workflow's folder, overlaps as large as the chunk,
vector search without an embedding model, index names that clash with agents or flows, and references
to indexes that do not exist. A source that matches no file beside the workflow is reported too (when
the workflow was read from a file), since the build would refuse it.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

from aixgo_cli.config.context import CheckContext
from aixgo_cli.schema.suggest import did_you_mean_or_list

_JSONL_ONLY = ("text_field", "metadata_fields")


def unsafe_reason(path: str) -> str | None:
    """Why a source path may not be used, or None (the build checks the same, after resolving links)."""
    if not path.strip():
        return "it is empty"
    pure = PurePosixPath(path.replace("\\", "/"))
    if pure.is_absolute() or (len(path) > 1 and path[1] == ":"):
        return "it is absolute"
    if ".." in pure.parts:
        return "it climbs out of the workflow's folder with `..`"
    return None


def knowledge_names(ctx: CheckContext) -> set[str]:
    raw = ctx.data.get("knowledge")
    return {name for name in raw if isinstance(name, str)} if isinstance(raw, dict) else set()


def check_knowledge(ctx: CheckContext) -> None:
    raw = ctx.data.get("knowledge")
    if isinstance(raw, dict):
        for name, body in raw.items():
            if isinstance(body, dict):
                _check_index(ctx, str(name), body)
    names = knowledge_names(ctx)
    for tool in ctx.tools.values():
        if tool.body.get("type") == "retrieval" and isinstance(tool.body.get("knowledge"), str):
            target = tool.body["knowledge"]
            if target not in names:
                ctx.error(
                    ("tools", tool.index, "knowledge"),
                    "unknown-knowledge",
                    f"tool '{tool.name}' searches knowledge index '{target}', which is not defined",
                    did_you_mean_or_list(target, names, "indexes") or "define it under `knowledge:`",
                )
            mode = tool.body.get("mode")
            if mode in ("vector", "hybrid") and target in names and not _has_embedding(raw, target):
                ctx.error(
                    ("tools", tool.index, "mode"),
                    "needs-embedding",
                    f"tool '{tool.name}' searches '{target}' by {mode}, but that index has no embedding model",
                    f"add `embedding: {{model: ...}}` to knowledge.{target}, or use mode: keyword",
                )


def _matches(ctx: CheckContext, pattern: str) -> bool:
    """Whether a source matches a file beside the workflow (True when the workflow is not a file)."""
    workflow = Path(ctx.loaded.file)
    if not workflow.is_file():
        return True
    base = workflow.resolve().parent
    if set(pattern) & set("*?["):
        return any(p.is_file() for p in base.glob(pattern))
    return (base / pattern).is_file()


def _has_embedding(raw: Any, name: str) -> bool:
    body = raw.get(name) if isinstance(raw, dict) else None
    return isinstance(body, dict) and isinstance(body.get("embedding"), dict)


def _check_index(ctx: CheckContext, name: str, body: dict[str, Any]) -> None:
    if name in ctx.agents or name in ctx.flows:
        ctx.error(
            ("knowledge", name),
            "name-clash",
            f"knowledge index '{name}' has the name of an {'agent' if name in ctx.agents else 'flow'}",
            "give the index a name of its own: patterns name indexes, agents and flows in one namespace",
            at_key=True,
        )
    sources = body.get("sources")
    for index, source in enumerate(sources if isinstance(sources, list) else []):
        if not isinstance(source, dict) or not isinstance(source.get("path"), str):
            continue
        reason = unsafe_reason(source["path"])
        if reason is not None:
            ctx.error(
                ("knowledge", name, "sources", index, "path"),
                "unsafe-path",
                f"source '{source['path']}' of knowledge '{name}' cannot be used: {reason}",
                "name files inside the workflow's folder, relative to the workflow file (docs/*.md)",
            )
        elif not _matches(ctx, source["path"]):
            ctx.error(
                ("knowledge", name, "sources", index, "path"),
                "no-such-file",
                f"source '{source['path']}' of knowledge '{name}' matches no file",
                "paths are relative to the workflow file; check the spelling and the folder",
            )
        fmt = source.get("format") or ("jsonl" if source["path"].endswith(".jsonl") else None)
        if fmt != "jsonl" and not source["path"].endswith("*"):
            for key in _JSONL_ONLY:
                if key in source:
                    ctx.warning(
                        ("knowledge", name, "sources", index, key),
                        "unused-key",
                        f"`{key}` applies to jsonl sources only; '{source['path']}' is read as {fmt or 'text'}",
                        "remove it, or set format: jsonl",
                        at_key=True,
                    )
    chunking = body.get("chunking")
    if isinstance(chunking, dict):
        size, overlap = chunking.get("size", 1000), chunking.get("overlap")
        if isinstance(size, int) and isinstance(overlap, int) and overlap >= size:
            ctx.error(
                ("knowledge", name, "chunking", "overlap"),
                "bad-overlap",
                f"knowledge '{name}': the overlap ({overlap}) must be smaller than the chunk size ({size})",
                f"use an overlap of about a tenth of the size, e.g. overlap: {max(0, size // 10)}",
            )
    search = body.get("search")
    if isinstance(search, dict) and search.get("mode") in ("vector", "hybrid") and "embedding" not in body:
        ctx.error(
            ("knowledge", name, "search", "mode"),
            "needs-embedding",
            f"knowledge '{name}' searches by {search['mode']}, which needs an embedding model",
            "add `embedding: {model: openai/text-embedding-3-small}` (or a model_services name), or use mode: keyword",
        )
