"""Sources stay inside the workflow's folder: no `..`, no absolute paths, no symlinks leading out."""

from __future__ import annotations

from pathlib import Path

import pytest

from aixgo_cli.errors import UserError
from aixgo_cli.knowledge.sources import source_files
from aixgo_cli.knowledge.spec import ChunkingSpec, IndexSpec, SourceSpec


def spec(base: Path, *paths: str) -> IndexSpec:
    return IndexSpec(
        name="docs",
        base_dir=base,
        workflow_name="w",
        workflow_path=base / "w.yaml",
        sources=tuple(SourceSpec(p) for p in paths),
        chunking=ChunkingSpec(),
        embedding_model=None,
        batch_size=8,
        mode="keyword",
        top_k=5,
        rrf_k=60,
        on_stale="build",
    )


def test_globs_and_files_resolve_relative_to_the_workflow(tmp_path: Path) -> None:
    (tmp_path / "docs" / "deep").mkdir(parents=True)
    for name in ("docs/a.md", "docs/b.txt", "docs/deep/c.md"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    found = source_files(spec(tmp_path, "docs/**/*.md", "docs/b.txt", "docs/a.md"))
    assert [f.relative for f in found] == ["docs/a.md", "docs/deep/c.md", "docs/b.txt"]


@pytest.mark.parametrize("path", ["../outside.md", "/etc/passwd", "docs/../../x"])
def test_paths_that_leave_the_folder_are_refused(tmp_path: Path, path: str) -> None:
    with pytest.raises(UserError, match="cannot be used because"):
        source_files(spec(tmp_path, path))


def test_a_symlink_that_leads_outside_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("do not index", encoding="utf-8")
    base = tmp_path / "project"
    (base / "docs").mkdir(parents=True)
    (base / "docs" / "link.txt").symlink_to(outside / "secret.txt")
    with pytest.raises(UserError, match="leads outside the workflow's folder"):
        source_files(spec(base, "docs/*.txt"))


def test_a_source_that_matches_nothing_says_so(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"'docs/\*\.md' matches no file") as caught:
        source_files(spec(tmp_path, "docs/*.md"))
    assert caught.value.hint is not None and str(tmp_path) in caught.value.hint
