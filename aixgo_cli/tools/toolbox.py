"""The tool-type registry and the helpers every tool call goes through.

A top-level `tools:` entry is built by the factory registered for its `type`; adding a tool type is one
module with a factory and one line in `TOOL_TYPES`. Arguments are validated against the tool's schema
before every call; a bad call or a failing tool is reported back to the model as text (so it can correct
itself) rather than failing the step.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from aixgo_cli.config.durations import optional_duration
from aixgo_cli.lazy_registry import LazyRegistry
from aixgo_cli.schema.json_validation import instance_errors
from aixgo_cli.tools.base import RateLimit, Tool, ToolCallError, ToolContext

__all__ = ["TOOL_TYPES", "Tool", "ToolCallError", "build_tool", "parse_arguments"]

ToolFactory = Callable[[Mapping[str, Any], ToolContext], Tool]

# A type's module is imported only when a workflow uses it (start-up budget).
TOOL_TYPES: LazyRegistry[ToolFactory] = LazyRegistry(
    {
        "python": "aixgo_cli.tools.python_tool:build",
        "read_file": "aixgo_cli.tools.files:build_read",
        "write_file": "aixgo_cli.tools.files:build_write",
        "http": "aixgo_cli.tools.http_tool:build",
    }
)

WIRE_SEPARATOR = "__"


def build_tool(definition: Mapping[str, Any], context: ToolContext) -> Tool:
    tool = TOOL_TYPES[str(definition["type"])](definition, context)
    limit = definition.get("rate_limit") or {}
    return replace(
        tool,
        timeout_s=optional_duration(definition.get("timeout")),
        rate_limit=RateLimit(int(limit["requests_per_minute"])) if limit.get("requests_per_minute") else None,
    )


def parse_arguments(tool: Tool, arguments_json: str) -> dict[str, Any]:
    try:
        arguments = json.loads(arguments_json or "{}")
    except json.JSONDecodeError as exc:
        raise ToolCallError(f"the arguments are not valid JSON ({exc.msg})") from None
    if not isinstance(arguments, dict):
        raise ToolCallError("the arguments must be a JSON object")
    problems = instance_errors(dict(tool.schema), arguments)
    if problems:
        raise ToolCallError("the arguments do not match the tool's schema: " + "; ".join(problems))
    return arguments


def result_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def wire_name(name: str) -> str:
    """The name a model sees: providers allow only [A-Za-z0-9_-] in function names, so the `:` of an MCP
    tool (`time:convert_time`) is written `time__convert_time`."""
    return name.replace(":", WIRE_SEPARATOR)


def canonical_name(name: str) -> str:
    """A name as the model wrote it, back in the workflow's spelling (`time__x` is `time:x`)."""
    return name.replace(WIRE_SEPARATOR, ":", 1) if ":" not in name and WIRE_SEPARATOR in name else name
