"""Hints for schema errors: what to write instead, phrased for the mistake that was actually made.

A schema error says what is wrong in the schema's terms ("expected integer"); the user needs the fix in
the file's terms ("remove the quotes: `max_steps: 20`"). The rules here look at the value that was
written, not only at what was expected, because the same expectation fails for different reasons.
"""

from __future__ import annotations

import json
import re
from typing import Any

from aixgo_cli.schema.issues import PathPart
from aixgo_cli.schema.suggest import closest

_ROLES = "producer, react, classifier, aggregator, planner, logger"
_REQUIRED_EXAMPLES: dict[tuple[tuple[PathPart, ...], str], str] = {
    ((), "version"): "add `version: 1` at the top of the file",
    ((), "name"): "add `name: my-workflow` at the top level",
    ((), "agents"): "add an `agents:` list, e.g. agents: [{name: assistant, role: react, model: openai/gpt-4o-mini}]",
    (("agents",), "role"): f"add `role:` with one of {_ROLES}",
    (("agents",), "name"): "add `name:` with a name other agents and patterns can refer to",
    (("agents",), "categories"): "add `categories:` with at least one entry, e.g. categories: [{name: billing}]",
    (("tools",), "callable"): "add `callable: my_package.module:function`",
    (("tools",), "url"): "add `url: https://...` (placeholders like {{ args.query }} are filled from the call)",
    (("mcp_servers",), "command"): "add `command:` with the program to start, e.g. command: mcp-server-time",
    (("mcp_servers",), "url"): "add `url: https://...` with the server's endpoint",
    (("model_services",), "model"): "add `model:` with the model id at that endpoint, e.g. openai/gpt-4o-mini",
}


def required_hint(path: tuple[PathPart, ...], missing: str) -> str:
    # Section-level examples fit the entry itself (`agents[2]` missing `role`), not blocks nested in it,
    # except `categories`, which lives in classifier_config.
    section: tuple[PathPart, ...] = path[:1] if len(path) <= 2 or missing == "categories" else path
    return _REQUIRED_EXAMPLES.get((section, missing)) or f"add `{missing}:`"


def type_hint(field: str, expected: list[str], got: Any, section_word: str | None) -> str | None:
    """A fix for a value of the wrong type, based on what was written."""
    if got is None:
        if "array" in expected:
            return f"write the list after `{field}:` (or `{field}: []` for none), or remove the line"
        return f"write a value after `{field}:`, or remove the line"
    if isinstance(got, str) and ("integer" in expected or "number" in expected):
        if _is_number(got.strip()):
            return f"remove the quotes: `{field}: {got.strip()}`"
        example = "4" if "integer" in expected else "0.5"
        return f"write a number in digits, e.g. `{field}: {example}`"
    if isinstance(got, str) and "boolean" in expected:
        return f"write `{field}: true` or `{field}: false`"
    if isinstance(got, list) and "object" in expected:
        return f"remove the '- ' in front of the keys under `{field}:`: it is a mapping, not a list"
    if isinstance(got, dict) and "array" in expected:
        if section_word:
            return f"write each {section_word} as a list item: `- name: ...` followed by its keys"
        return "write the items as lines starting with '- ', or as [a, b] on one line"
    if isinstance(got, str) and "array" in expected:
        return f"write a list: `{field}: [{got}]`"
    if isinstance(got, (bool, int, float)) and "string" in expected:
        return f'quote it if you meant text: `{field}: "{json.dumps(got)}"`'
    return None


def nested_home(key: str, properties: dict[str, Any], deref: Any) -> str | None:
    """'did you mean X under `block:`?' when an unknown key belongs one level down (temperature)."""
    for name, sub in properties.items():
        sub = deref(sub)
        inner = sub.get("properties") if isinstance(sub, dict) else None
        if isinstance(inner, dict):
            match = closest(key, list(inner))
            if match == key:
                return f"`{key}` belongs under `{name}:`; move it there"
            if match is not None:
                return f"did you mean '{match}' under `{name}:`?"
    return None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return text.lower() not in ("nan", "inf", "-inf", "+inf", "infinity")


def name_hint(value: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", value).strip("-_")[:64]
    if slug and not slug[0].isalpha():
        slug = ("n-" + slug)[:64]
    example = f", e.g. '{slug}'" if slug and slug != value else ""
    return f"a name starts with a letter, then letters, digits, '_' or '-' (at most 64 characters){example}"


def range_hint(rule: dict[str, Any]) -> str | None:
    low, high = rule.get("minimum"), rule.get("maximum")
    if low is not None and high is not None:
        return f"use a value from {low} to {high}"
    if low is not None:
        return f"use {low} or more"
    if rule.get("exclusiveMinimum") is not None:
        return f"use a value above {rule['exclusiveMinimum']}"
    if high is not None:
        return f"use {high} or less"
    if rule.get("minItems"):
        return f"list at least {rule['minItems']} item(s)"
    return None
