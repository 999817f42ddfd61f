"""Which files an index reads: paths and globs under the workflow's folder, and nothing outside it.

A source path is relative to the workflow file. Validation refuses absolute paths and `..`; here every
match is resolved (symlinks followed) and must still lie inside the workflow's folder, so a symlink that
points elsewhere is refused rather than read. The content hash is what makes builds incremental.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from aixgo_cli.config.knowledge_checks import unsafe_reason
from aixgo_cli.errors import UserError
from aixgo_cli.knowledge.spec import IndexSpec, SourceSpec

MAX_FILE_BYTES = 16 * 1024 * 1024
_GLOB_CHARS = frozenset("*?[")


@dataclass(frozen=True)
class SourceFile:
    relative: str  # posix path relative to the workflow's folder: the chunk's `source`
    absolute: Path
    source: SourceSpec


def source_files(spec: IndexSpec) -> list[SourceFile]:
    """Every file the index reads, each once (first source wins), sorted by path within a source."""
    base = spec.base_dir.resolve()
    found: dict[str, SourceFile] = {}
    for source in spec.sources:
        reason = unsafe_reason(source.path)
        if reason is not None:
            raise _error(spec, source, f"cannot be used because {reason}")
        if _GLOB_CHARS & set(source.path):
            matches = sorted(m.relative_to(base) for m in base.glob(source.path) if m.is_file())
        else:
            matches = [Path(source.path)] if (base / source.path).is_file() else []
        if not matches:
            raise _error(spec, source, "matches no file", hint=f"paths are relative to {base}")
        for match in matches:
            absolute = (base / match).resolve()
            if not absolute.is_relative_to(base):
                raise _error(spec, source, f"reaches {match}, which leads outside the workflow's folder")
            relative = absolute.relative_to(base).as_posix()
            found.setdefault(relative, SourceFile(relative, absolute, source))
    return list(found.values())


def read_source(spec: IndexSpec, file: SourceFile) -> tuple[bytes, str]:
    """The file's bytes and their SHA-256."""
    try:
        size = file.absolute.stat().st_size
        if size > MAX_FILE_BYTES:
            raise _error(spec, file.source, f"reaches {file.relative}, which is {size} bytes (the limit is 16 MiB)")
        data = file.absolute.read_bytes()
    except OSError as exc:
        raise _error(spec, file.source, f"reaches {file.relative}, which cannot be read: {exc.strerror}") from None
    return data, hashlib.sha256(data).hexdigest()


def _error(spec: IndexSpec, source: SourceSpec, what: str, hint: str | None = None) -> UserError:
    return UserError(
        f"knowledge '{spec.name}': source '{source.path}' {what}",
        hint=hint or "fix the source under knowledge: in the workflow, then run: aixgo index build WORKFLOW",
    )
