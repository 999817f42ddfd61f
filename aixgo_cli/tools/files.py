"""read_file / write_file tools, confined to a workspace directory.

Paths are resolved (symlinks included) and must stay inside the workspace, so `../` or a symlink cannot
reach outside it; the final file is opened without following a symlink.

What a model writes is untrusted, so it must not be able to change what the next run executes or reads
as its definition. By default a run's workspace is its own directory under the data directory
(`AIXGO_HOME/workspaces/RUN_ID`), which nothing else reads. A workflow may name another `workspace:`,
even its own folder; then, wherever the workspace is, `write_file` still refuses:

* code the interpreter could import: Python sources, bytecode, extension modules and `.pth` files
  under the workflow's folder (which python tools are imported from) or any folder on the import path;
* the workflow's own files: YAML files and cassettes under its folder, and the files its producers read;
* aixgo's data directory outside the run workspaces (the journal);
* a file with several hard links (writing it would change the other names too).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aixgo_cli.tools.base import Tool, ToolContext

MAX_READ_BYTES = 1024 * 1024
CODE_SUFFIXES = frozenset({".py", ".pyc", ".pyo", ".pyd", ".pyw", ".pyz", ".so", ".pth", ".egg-link"})
DEFINITION_SUFFIXES = frozenset({".yaml", ".yml"})
CASSETTE_SUFFIX = ".cassette.jsonl"


class WorkspaceError(Exception):
    """A path outside the workspace, or a file that cannot be used; reported to the model, not fatal."""


@dataclass(frozen=True)
class Workspace:
    """Where file tools work, and what stays read-only to them wherever the workspace is."""

    root: Path
    definition_dir: Path | None = None  # the workflow's folder (python tools are imported from it)
    protected_files: frozenset[Path] = frozenset()  # the workflow file, the files its producers read
    data_dir: Path | None = None  # aixgo's own files; only `workspaces_dir` inside it is for tools
    workspaces_dir: Path | None = None

    @classmethod
    def of(
        cls,
        root: Path,
        *,
        definition_dir: Path | None,
        protected_files: Iterable[Path] = (),
        data_dir: Path | None = None,
        workspaces_dir: Path | None = None,
    ) -> Workspace:
        return cls(
            root=root,
            definition_dir=definition_dir.resolve() if definition_dir else None,
            protected_files=frozenset(p.resolve() for p in protected_files),
            data_dir=data_dir.resolve() if data_dir else None,
            workspaces_dir=workspaces_dir.resolve() if workspaces_dir else None,
        )

    def refusal(self, target: Path, shown: str) -> str | None:
        """Why `target` (resolved) may not be written, or None."""
        name = target.name.lower()
        suffix = target.suffix.lower()
        if target in self.protected_files:
            return f"'{shown}' is one of the workflow's own files, which tools may not change"
        definition = suffix in DEFINITION_SUFFIXES or name.endswith(CASSETTE_SUFFIX)
        if definition and self.definition_dir is not None and _under(target, self.definition_dir):
            return f"'{shown}' is a workflow definition or cassette, which tools may not change"
        if suffix in CODE_SUFFIXES or "__pycache__" in target.parts:
            code_dirs = _import_path()
            if self.definition_dir is not None:
                code_dirs.append(self.definition_dir)
            if any(_under(target, d) for d in code_dirs):
                return f"'{shown}' is Python code on the import path, which tools may not write"
        if (
            self.data_dir is not None
            and _under(target, self.data_dir)
            and not (self.workspaces_dir is not None and _under(target, self.workspaces_dir))
        ):
            return f"'{shown}' is in aixgo's data directory, which tools may not change"
        return None


def _under(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _import_path() -> list[Path]:
    folders = []
    for entry in sys.path:
        try:
            folders.append(Path(entry or ".").resolve())
        except OSError:
            continue
    return folders


def confined(workspace: Path | Workspace, relative: str) -> Path:
    base = workspace.root if isinstance(workspace, Workspace) else workspace
    root = base.resolve()
    target = (root / relative).resolve()
    if target != root and root not in target.parents:
        raise WorkspaceError(f"'{relative}' is outside the workspace")
    return target


def read_file(workspace: Path | Workspace, path: str) -> str:
    target = confined(workspace, path)
    if not target.is_file():
        raise WorkspaceError(f"no such file: {path}")
    data = target.read_bytes()[:MAX_READ_BYTES]
    return data.decode("utf-8", errors="replace")


def write_file(workspace: Path | Workspace, path: str, content: str) -> str:
    target = confined(workspace, path)
    if isinstance(workspace, Workspace):
        refusal = workspace.refusal(target, path)
        if refusal is not None:
            raise WorkspaceError(refusal)
    target.parent.mkdir(parents=True, exist_ok=True)
    data = content.encode("utf-8")
    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        descriptor = os.open(target, flags, 0o644)
    except OSError as exc:
        raise WorkspaceError(f"cannot write {path}: {exc.strerror or exc}") from None
    with os.fdopen(descriptor, "wb") as handle:
        if os.fstat(handle.fileno()).st_nlink > 1:
            raise WorkspaceError(f"'{path}' has other hard links, so writing it would change other files")
        handle.truncate(0)
        handle.write(data)
    return f"wrote {len(data)} bytes to {path}"


READ_SCHEMA = {
    "type": "object",
    "properties": {"path": {"type": "string", "description": "Path in the workspace."}},
    "required": ["path"],
    "additionalProperties": False,
}
WRITE_SCHEMA = {
    "type": "object",
    "properties": {"path": {"type": "string"}, "content": {"type": "string"}},
    "required": ["path", "content"],
    "additionalProperties": False,
}


def workspace_for(definition: Mapping[str, Any], context: ToolContext) -> Workspace:
    """The tool's `workspace:` (relative to the workflow), else the run's own directory."""
    from aixgo_cli.paths import data_home, workspaces_dir

    named = definition.get("workspace")
    if named:
        root = context.base_dir / str(named)
    elif context.run_workspace is not None:
        root = context.run_workspace
    else:  # built outside a run (a test, a probe): a private temporary directory, never the workflow's
        import tempfile

        root = Path(tempfile.mkdtemp(prefix="aixgo-workspace-"))
    return Workspace.of(
        root,
        definition_dir=context.base_dir,
        protected_files=context.protected_files,
        data_dir=data_home(),
        workspaces_dir=workspaces_dir(),
    )


def build_read(definition: Mapping[str, Any], context: ToolContext) -> Tool:
    workspace = workspace_for(definition, context)
    return Tool(
        str(definition["name"]),
        definition.get("description") or "Read a text file from the workspace.",
        definition.get("input_schema") or READ_SCHEMA,
        True,
        lambda args, _key: read_file(workspace, str(args["path"])),
        kind="read_file",
    )


def build_write(definition: Mapping[str, Any], context: ToolContext) -> Tool:
    workspace = workspace_for(definition, context)
    return Tool(
        str(definition["name"]),
        definition.get("description") or "Write a text file in the workspace.",
        definition.get("input_schema") or WRITE_SCHEMA,
        bool(definition.get("idempotent", False)),
        lambda args, _key: write_file(workspace, str(args["path"]), str(args["content"])),
        kind="write_file",
    )
