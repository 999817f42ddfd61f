"""The tools one agent may call, built from the workflow: specs for the model and a way to run them.

Arguments are validated against the tool's schema before every call; a bad call or a failing tool is
reported back to the model as text (so it can correct itself) rather than failing the step.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from aixgo_cli.config.model import AgentSpec, Workflow
from aixgo_cli.errors import UserError
from aixgo_cli.schema.json_validation import instance_errors
from aixgo_cli.tools import files
from aixgo_cli.tools.python_tool import (
    IDEMPOTENCY_PARAMETER,
    accepts_idempotency_key,
    description_of,
    load_callable,
    schema_for,
)

RUNNABLE_TOOL_TYPES = frozenset({"python", "read_file", "write_file"})


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    schema: dict[str, Any]
    idempotent: bool
    run: Callable[[dict[str, Any], str], Any]  # (arguments, idempotency key) -> result


class ToolCallError(Exception):
    """The call could not be made (unknown tool, bad arguments); the model is told why."""


def build_tools(spec: AgentSpec, workflow: Workflow, run_workspace: Path | None = None) -> dict[str, Tool]:
    """`run_workspace`: the run's own directory, the file tools' workspace unless the tool names one."""
    tools: dict[str, Tool] = {}
    for ref in spec.tools:
        if ":" in ref.name:
            raise UserError(
                f"agent '{spec.name}' uses MCP tool '{ref.name}'; MCP tools cannot run in this version",
                hint="use a python tool for now",
            )
        definition = workflow.tools.get(ref.name)
        if definition is None:
            raise UserError(
                f"agent '{spec.name}' declares tool '{ref.name}' inline, but no top-level tool implements it",
                hint="add it under tools: with type: python and callable: module:function",
            )
        tools[ref.name] = _tool(
            dict(definition), workflow.base_dir, partial(_workspace, definition, workflow, run_workspace)
        )
    return tools


def _workspace(definition: Any, workflow: Workflow, run_workspace: Path | None) -> files.Workspace:
    from aixgo_cli.paths import data_home, workspaces_dir

    named = definition.get("workspace")
    if named:
        root = workflow.base_dir / str(named)
    elif run_workspace is not None:
        root = run_workspace
    else:
        import tempfile

        root = Path(tempfile.mkdtemp(prefix="aixgo-workspace-"))
    read_by_producers = [
        workflow.base_dir / str(agent.config["file"])
        for agent in workflow.agents.values()
        if agent.role == "producer" and agent.config.get("file")
    ]
    return files.Workspace.of(
        root,
        definition_dir=workflow.base_dir,
        protected_files=[*([workflow.path] if workflow.path else []), *read_by_producers],
        data_dir=data_home(),
        workspaces_dir=workspaces_dir(),
    )


def _tool(definition: dict[str, Any], base_dir: Path, workspace_of: Callable[[], files.Workspace]) -> Tool:
    kind, name = definition["type"], definition["name"]
    idempotent = bool(definition.get("idempotent", False))
    if kind == "python":
        function = load_callable(definition["callable"], base_dir)
        wants_key = accepts_idempotency_key(function)

        def run_python(args: dict[str, Any], key: str) -> Any:
            return function(**args, **({IDEMPOTENCY_PARAMETER: key} if wants_key else {}))

        return Tool(
            name,
            definition.get("description") or description_of(function),
            definition.get("input_schema") or schema_for(function),
            idempotent,
            run_python,
        )
    if kind in ("read_file", "write_file"):
        workspace = workspace_of()
        if kind == "read_file":
            return Tool(
                name,
                definition.get("description") or "Read a text file from the workspace.",
                definition.get("input_schema") or files.READ_SCHEMA,
                True,
                lambda args, _key: files.read_file(workspace, str(args["path"])),
            )
        return Tool(
            name,
            definition.get("description") or "Write a text file in the workspace.",
            definition.get("input_schema") or files.WRITE_SCHEMA,
            idempotent,
            lambda args, _key: files.write_file(workspace, str(args["path"]), str(args["content"])),
        )
    raise UserError(
        f"tool '{name}' has type {kind}, which cannot run in this version of aixgo",
        hint=f"tool types available to run: {', '.join(sorted(RUNNABLE_TOOL_TYPES))}",
    )


def parse_arguments(tool: Tool, arguments_json: str) -> dict[str, Any]:
    try:
        arguments = json.loads(arguments_json or "{}")
    except json.JSONDecodeError as exc:
        raise ToolCallError(f"the arguments are not valid JSON ({exc.msg})") from None
    if not isinstance(arguments, dict):
        raise ToolCallError("the arguments must be a JSON object")
    problems = instance_errors(tool.schema, arguments)
    if problems:
        raise ToolCallError("the arguments do not match the tool's schema: " + "; ".join(problems))
    return arguments


def result_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
