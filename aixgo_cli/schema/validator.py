"""JSON Schema validation of workflow data, reported as positioned, human-worded issues.

The schema file in `schemas/` is the single source of truth for the shape of a workflow. Validation uses
jsonschema-rs because it reports every error and costs ~25 ms to import instead of ~90 ms, which keeps
`aixgo validate` inside its start-up budget. Library messages are rewritten here into messages that name
the agent or tool concerned and suggest the key or value the user probably meant.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from aixgo_cli.schema.issues import Issue, PathPart
from aixgo_cli.schema.positions import position
from aixgo_cli.schema.suggest import did_you_mean, one_of
from aixgo_cli.schema.yaml_loader import LoadedWorkflow

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schemas" / "workflow.v1.json"

_SECTION_WORDS = {
    "agents": "agent",
    "tools": "tool",
    "mcp_servers": "MCP server",
    "model_services": "model service",
    "flows": "flow",
    "inputs": "input",
}
_TYPE_WORDS = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "object": "a mapping (key: value lines)",
    "array": "a list (lines starting with '- ')",
    "null": "empty",
}


@cache
def workflow_schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return loaded


@cache
def _validator() -> Any:
    import jsonschema_rs  # deferred: validate pays for it, --help does not

    return jsonschema_rs.validator_for(workflow_schema())


def schema_issues(loaded: LoadedWorkflow) -> list[Issue]:
    issues: list[Issue] = []
    for error in _validator().iter_errors(loaded.data):
        issues.extend(_to_issues(loaded, error))
    return issues


def subschema(schema_path: list[PathPart] | tuple[PathPart, ...]) -> dict[str, Any]:
    """The schema object reached by a schema path, following `$ref`s into `$defs`."""
    root = workflow_schema()
    node: Any = root
    for part in schema_path:
        node = _deref(root, node)
        if isinstance(node, dict):
            node = node.get(str(part), {})
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            return {}
    node = _deref(root, node)
    return node if isinstance(node, dict) else {}


def _deref(root: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node and len(node) <= 2:
        target: Any = root
        for piece in str(node["$ref"]).lstrip("#/").split("/"):
            target = target.get(piece, {}) if isinstance(target, dict) else {}
        node = target
    return node


def describe(data: Any, path: tuple[PathPart, ...]) -> str:
    """Where in the workflow a path points, in words: "agent 'triage'", "orchestration config"."""
    if not path:
        return "the workflow"
    section = path[0]
    if section in ("agents", "tools", "mcp_servers", "model_services") and len(path) >= 2:
        index = path[1]
        items = data.get(section) if isinstance(data, dict) else None
        label = _SECTION_WORDS[str(section)]
        if isinstance(items, list) and isinstance(index, int) and index < len(items):
            item = items[index]
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                where = f"{label} '{item['name']}'"
            else:
                where = f"{label} #{index + 1}"
            rest = [str(p) for p in path[2:]]
            return where + (f" ({'.'.join(rest)})" if rest else "")
        return section
    if section in ("flows", "inputs") and len(path) >= 2:
        rest = [str(p) for p in path[2:]]
        return f"{_SECTION_WORDS[str(section)]} '{path[1]}'" + (f" ({'.'.join(rest)})" if rest else "")
    return ".".join(str(p) for p in path)


def _field(path: tuple[PathPart, ...]) -> str:
    for part in reversed(path):
        if isinstance(part, str):
            return part
    return "item"


def _to_issues(loaded: LoadedWorkflow, error: Any) -> list[Issue]:
    path: tuple[PathPart, ...] = tuple(error.instance_path)
    schema_path: list[PathPart] = list(error.schema_path)
    kind = type(error.kind).__name__
    data = loaded.data
    where = describe(data, path)

    def make(
        message: str, hint: str | None, at: tuple[PathPart, ...] = path, *, at_key: bool = False, code: str = "schema"
    ) -> Issue:
        line, col, end = position(loaded.root, at, at_key=at_key)
        return Issue(
            file=loaded.file,
            line=line,
            column=col,
            severity="error",
            code=code,
            message=message,
            hint=hint,
            path=at,
            end_column=end,
        )

    if kind == "AdditionalProperties":
        allowed = list(subschema(schema_path[:-1]).get("properties", {}))
        out = []
        for key in error.kind.unexpected:
            hint = did_you_mean(key, allowed) or (f"allowed keys: {one_of(allowed)}" if allowed else None)
            out.append(make(f"unknown key '{key}' in {where}", hint, (*path, key), at_key=True, code="unknown-key"))
        return out
    trap = loaded.traps.get(path)
    if trap is not None and kind in ("Type", "Enum", "Pattern", "Const"):
        return [make(f"{where}: {trap.explain()}", f'quote it: "{trap.text}"', code="yaml11-value")]
    if kind == "Required":
        missing = str(error.kind.property)
        return [
            make(f"{where} is missing the required key '{missing}'", _required_hint(path, missing), code="missing-key")
        ]
    if kind == "Enum":
        options = [str(o) for o in error.kind.options]
        value = error.instance
        hint = did_you_mean(str(value), options) if isinstance(value, str) else None
        hint = hint or f"use one of: {one_of(options)}"
        return [make(f"{where}: {json.dumps(value)} is not a valid {_field(path)}", hint, code="bad-value")]
    if kind == "Type":
        expected = error.kind.types if hasattr(error.kind, "types") else []
        words = " or ".join(_TYPE_WORDS.get(str(t), str(t)) for t in expected) or "another type"
        got = error.instance
        if got is None:
            return [make(f"{where}: the value is empty; expected {words}", None, code="wrong-type")]
        return [make(f"{where}: expected {words}, got {_describe_value(got)}", None, code="wrong-type")]
    if kind == "Const":
        return [
            make(
                f"{where}: must be {json.dumps(error.kind.expected_value)}, got {json.dumps(error.instance)}",
                "this is format version 1: write `version: 1`",
                code="bad-value",
            )
        ]
    if kind == "Pattern":
        description = subschema(schema_path[:-1]).get("description", "")
        return [
            make(f"{where}: {json.dumps(error.instance)} is not allowed here", description or None, code="bad-value")
        ]
    if kind in ("OneOfNotValid", "AnyOf"):
        description = subschema(schema_path[:-1]).get("description", "")
        return [
            make(f"{where}: {_describe_value(error.instance)} does not fit", description or None, code="wrong-shape")
        ]
    if kind == "PropertyNames":
        return [
            make(
                f"{where}: {error.message}",
                "names start with a letter, then letters, digits, '_' or '-'",
                code="bad-name",
            )
        ]
    return [make(f"{where}: {error.message}", None, code="schema")]


def _describe_value(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {json.dumps(value)}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "an empty value"


def _required_hint(path: tuple[PathPart, ...], missing: str) -> str | None:
    if path and path[0] == "agents" and missing == "role":
        return "add `role:` with one of producer, react, classifier, aggregator, planner, logger"
    if not path and missing == "version":
        return "add `version: 1` at the top of the file"
    return f"add `{missing}:`"
