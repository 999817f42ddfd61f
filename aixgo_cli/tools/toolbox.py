"""The tools one agent may call, built from the workflow: specs for the model and a way to run them.

Arguments are validated against the tool's schema before every call; a bad call or a failing tool is
reported back to the model as text (so it can correct itself) rather than failing the step.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
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

RUNNABLE_TOOL_TYPES = frozenset({"python", "read_file", "write_file", "retrieval"})


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    schema: dict[str, Any]
    idempotent: bool
    run: Callable[[dict[str, Any], str], Any]  # (arguments, idempotency key) -> result


# Tool types built by a layer above this one, passed in by the engine: `retrieval` needs the run's
# knowledge indexes (aixgo_cli/knowledge/tool.py). Type -> factory from the tool's definition.
ToolFactory = Callable[[dict[str, Any]], "Tool"]


class ToolCallError(Exception):
    """The call could not be made (unknown tool, bad arguments); the model is told why."""


def build_tools(
    spec: AgentSpec, workflow: Workflow, factories: Mapping[str, ToolFactory] | None = None
) -> dict[str, Tool]:
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
        factory = (factories or {}).get(str(definition.get("type")))  # hook: tool types built elsewhere
        tools[ref.name] = factory(dict(definition)) if factory else _tool(dict(definition), workflow.base_dir)
    return tools


def _tool(definition: dict[str, Any], base_dir: Path) -> Tool:
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
        workspace = base_dir / str(definition.get("workspace", "."))
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
