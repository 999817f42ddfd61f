"""read_file / write_file tools, confined to a workspace directory.

Paths are resolved (symlinks included) and must stay inside the workspace, so `../` or a symlink cannot
reach outside it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aixgo_cli.tools.base import Tool, ToolContext

MAX_READ_BYTES = 1024 * 1024


class WorkspaceError(Exception):
    """A path outside the workspace, or a file that cannot be used; reported to the model, not fatal."""


def confined(workspace: Path, relative: str) -> Path:
    root = workspace.resolve()
    target = (root / relative).resolve()
    if target != root and root not in target.parents:
        raise WorkspaceError(f"'{relative}' is outside the workspace")
    return target


def read_file(workspace: Path, path: str) -> str:
    target = confined(workspace, path)
    if not target.is_file():
        raise WorkspaceError(f"no such file: {path}")
    data = target.read_bytes()[:MAX_READ_BYTES]
    return data.decode("utf-8", errors="replace")


def write_file(workspace: Path, path: str, content: str) -> str:
    target = confined(workspace, path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(content, encoding="utf-8")
    return f"wrote {len(content.encode('utf-8'))} bytes to {path}"


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


def build_read(definition: Mapping[str, Any], context: ToolContext) -> Tool:
    workspace = context.base_dir / str(definition.get("workspace", "."))
    return Tool(
        str(definition["name"]),
        definition.get("description") or "Read a text file from the workspace.",
        definition.get("input_schema") or READ_SCHEMA,
        True,
        lambda args, _key: read_file(workspace, str(args["path"])),
        kind="read_file",
    )


def build_write(definition: Mapping[str, Any], context: ToolContext) -> Tool:
    workspace = context.base_dir / str(definition.get("workspace", "."))
    return Tool(
        str(definition["name"]),
        definition.get("description") or "Write a text file in the workspace.",
        definition.get("input_schema") or WRITE_SCHEMA,
        bool(definition.get("idempotent", False)),
        lambda args, _key: write_file(workspace, str(args["path"]), str(args["content"])),
        kind="write_file",
    )
