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

from aixgo_cli.schema.go_keys import go_key_hint
from aixgo_cli.schema.hints import name_hint, nested_home, range_hint, required_hint, type_hint
from aixgo_cli.schema.issues import Issue, PathPart
from aixgo_cli.schema.positions import position
from aixgo_cli.schema.suggest import closest, did_you_mean, one_of
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
    return _issues_from(loaded, list(_validator().iter_errors(loaded.data)))


def _issues_from(loaded: LoadedWorkflow, errors: list[Any]) -> list[Issue]:
    # `categoires:` yields both "unknown key" and "missing categories"; the first, with its "did you
    # mean", is the whole story, so the second is dropped.
    misspelled: set[tuple[tuple[PathPart, ...], str]] = set()
    for error in errors:
        if type(error.kind).__name__ == "AdditionalProperties":
            allowed = list(subschema(list(error.schema_path)[:-1]).get("properties", {}))
            for key in error.kind.unexpected:
                match = closest(str(key), allowed)
                if match is not None:
                    misspelled.add((tuple(error.instance_path), match))
    issues: list[Issue] = []
    for error in errors:
        if (
            type(error.kind).__name__ == "Required"
            and (tuple(error.instance_path), str(error.kind.property)) in misspelled
        ):
            continue
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
            rest = _dotted(path[2:])
            return where + (f" ({rest})" if rest else "")
        return section
    if section in ("flows", "inputs") and len(path) >= 2:
        rest = _dotted(path[2:])
        return f"{_SECTION_WORDS[str(section)]} '{path[1]}'" + (f" ({rest})" if rest else "")
    return _dotted(path)


def _dotted(path: tuple[PathPart, ...]) -> str:
    """`classifier_config.categories[0].name`: list positions as [i], the way people write them."""
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


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
        properties = subschema(schema_path[:-1]).get("properties", {})
        allowed = list(properties)
        out = []
        for key in error.kind.unexpected:
            hint = (
                go_key_hint(path, key)
                or did_you_mean(key, allowed)
                or nested_home(key, properties, lambda node: _deref(workflow_schema(), node))
                or (f"allowed keys: {one_of(allowed, limit=24)}" if allowed else None)
            )
            out.append(make(f"unknown key '{key}' in {where}", hint, (*path, key), at_key=True, code="unknown-key"))
        return out
    trap = loaded.traps.get(path)
    if trap is not None and kind in ("Type", "Enum", "Pattern", "Constant"):
        return [make(f"{where}: {trap.explain()}", f'quote it: "{trap.text}"', code="yaml11-value")]
    if kind == "Required":
        missing = str(error.kind.property)
        condition = _condition(schema_path)
        return [
            make(
                f"{where} is missing the required key '{missing}'"
                + (f" (needed when {condition})" if condition else ""),
                required_hint(path, missing),
                code="missing-key",
            )
        ]
    if kind == "Enum":
        options = [str(o) for o in error.kind.options]
        value = error.instance
        hint = did_you_mean(str(value), options) if isinstance(value, str) else None
        hint = hint or f"use one of: {one_of(options)}"
        return [make(f"{where}: {json.dumps(value)} is not a valid {_field(path)}", hint, code="bad-value")]
    if kind == "Type":
        expected = [str(t) for t in error.kind.types] if hasattr(error.kind, "types") else []
        words = " or ".join(_TYPE_WORDS.get(t, t) for t in expected) or "another type"
        got = error.instance
        section_word = _SECTION_WORDS.get(str(path[0])) if len(path) == 1 else None
        hint = type_hint(_field(path), expected, got, section_word)
        if got is None:  # `key:` with nothing after it: the key is the thing to point at
            return [make(f"{where}: the value is empty; expected {words}", hint, at_key=True, code="wrong-type")]
        return [make(f"{where}: expected {words}, got {_describe_value(got)}", hint, code="wrong-type")]
    if kind == "Constant":
        expected_value = error.kind.expected_value
        if path == ("version",):
            return [
                make(
                    f"version: this aixgo reads format version {expected_value}, but the file says "
                    f"{json.dumps(error.instance)}",
                    f"write `version: {expected_value}`; a file for a newer format needs a newer aixgo",
                    code="bad-version",
                )
            ]
        return [make(f"{where}: must be {json.dumps(expected_value)}", None, code="bad-value")]
    if kind == "Pattern":
        rule = subschema(schema_path[:-1])
        if rule.get("pattern") == workflow_schema()["$defs"]["name"]["pattern"] and isinstance(error.instance, str):
            return [
                make(
                    f"{where}: {json.dumps(error.instance)} is not a valid name",
                    name_hint(error.instance),
                    code="bad-name",
                )
            ]
        description = rule.get("description", "")
        return [
            make(f"{where}: {json.dumps(error.instance)} is not allowed here", description or None, code="bad-value")
        ]
    if kind in ("OneOfNotValid", "AnyOf"):
        # "a name, or {source: NAME}": explain the failure of the alternative the user evidently chose.
        chosen = _branch_of_same_type(error)
        if chosen is not None:
            return _issues_from(loaded, chosen)
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
    if kind in ("Minimum", "Maximum", "ExclusiveMinimum", "ExclusiveMaximum", "MinItems", "MaxItems", "MinLength"):
        return [make(f"{where}: {error.message}", range_hint(subschema(schema_path[:-1])), code="out-of-range")]
    return [make(f"{where}: {error.message}", None, code="schema")]


def _branch_of_same_type(error: Any) -> list[Any] | None:
    """The one alternative of a oneOf/anyOf whose type matches the value, with its errors, if unique."""
    here = list(error.instance_path)
    fitting = [
        list(branch)
        for branch in error.kind.context
        if not any(type(sub.kind).__name__ == "Type" and list(sub.instance_path) == here for sub in branch)
    ]
    return fitting[0] if len(fitting) == 1 and fitting[0] else None


def _condition(schema_path: list[PathPart]) -> str | None:
    """For a requirement from `if/then` (tool type http needs url): the `if` in words."""
    if "then" not in schema_path:
        return None
    at = len(schema_path) - 1 - schema_path[::-1].index("then")
    condition = subschema([*schema_path[:at], "if"]).get("properties", {})
    words = [
        f"{key} is {spec['const']}" for key, spec in condition.items() if isinstance(spec, dict) and "const" in spec
    ]
    return " and ".join(words) or None


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
