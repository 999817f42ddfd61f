"""docs/workflow-format.md and schemas/workflow.v1.json cannot drift apart.

The schema is the single source of truth for the workflow format; the reference page is written by hand
because a newcomer needs defaults, examples and reasons that a schema cannot hold. This test holds the
two together in both directions: every key the schema allows is documented under the heading that names
its object, every documented key exists there, every enum value is listed in its key's row, and the
required/optional column and the type column agree with the schema.

Documentation convention (machine-read here, explained at the top of the page): a heading whose first
code span is an object path (`agents[]`, `agents[].classifier_config`, `inputs.<name>`, `$defs.retry`,
or `orchestration.config` with a second span `pattern: NAME`) is followed by a table whose rows start
with the key in backticks: | `key` | type | required-or-optional | meaning and default |. The top level
is the heading "Top-level keys".
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from aixgo_cli.config.orchestration_checks import PATTERN_RULES

REPO = Path(__file__).resolve().parents[1]
SCHEMA_FILE = REPO / "schemas" / "workflow.v1.json"
DOC_FILE = REPO / "docs" / "workflow-format.md"
ROOT_HEADING = "Top-level keys"
ROOT = ""  # the path of the top-level object

Place = tuple[str, str | None]  # (object path, variant such as "pattern: router")


def label(place: Place) -> str:
    path, variant = place
    name = ROOT_HEADING if path == ROOT else f"`{path}`"
    return f"{name} for `{variant}`" if variant else name


@dataclass
class SchemaKey:
    schema: dict[str, Any]
    required: bool = False
    required_when: list[str] = field(default_factory=list)


class SchemaWalk:
    """Every object the schema can describe, keyed by where it is documented, with its property names."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.root = schema
        self.places: dict[Place, dict[str, SchemaKey]] = {}
        self.defs_seen: set[str] = set()
        self._walk(schema, ROOT, None)

    def _walk(self, node: Any, path: str, variant: str | None) -> None:
        if not isinstance(node, dict):
            return
        ref = node.get("$ref")
        if isinstance(ref, str):
            if ref.startswith("#/$defs/"):
                name = ref.removeprefix("#/$defs/")
                if name not in self.defs_seen:
                    self.defs_seen.add(name)
                    self._walk(self.root["$defs"][name], f"$defs.{name}", None)
            else:  # `flows` reuses the top-level orchestration object; it is documented once, there
                assert re.fullmatch(r"#/properties/\w+", ref), f"unexpected $ref {ref}"
                assert ref.rsplit("/", 1)[1] in self.root["properties"]
            return
        props = node.get("properties")
        if isinstance(props, dict):
            keys = self.places.setdefault((path, variant), {})
            for key, child in props.items():
                entry = keys.setdefault(key, SchemaKey(child))
                entry.required = entry.required or key in node.get("required", [])
                self._walk(child, key if path == ROOT else f"{path}.{key}", variant)
        for sub in node.get("allOf", []):
            condition = _condition(sub.get("if"))
            then = sub.get("then", {})
            for key in then.get("required", []):
                self.places[(path, variant)][key].required_when.append(condition or "always")
            for key, child in then.get("properties", {}).items():
                assert key in (props or {}), f"{path}: a conditional schema adds the unknown key {key}"
                self._walk(child, key if path == ROOT else f"{path}.{key}", condition or variant)
        for branch in node.get("oneOf", []) + node.get("anyOf", []):
            self._walk(branch, path, variant)
        self._walk(node.get("items"), f"{path}[]", variant)
        self._walk(node.get("additionalProperties"), f"{path}.<name>", variant)
        self._walk(node.get("propertyNames"), path, variant)


def _condition(node: Any) -> str | None:
    """`{"properties": {"pattern": {"const": "router"}}}` -> "pattern: router"."""
    if not isinstance(node, dict):
        return None
    for key, sub in node.get("properties", {}).items():
        if isinstance(sub, dict) and "const" in sub:
            return f"{key}: {sub['const']}"
    return None


@dataclass
class DocRow:
    key: str
    cells: list[str]
    line: int

    @property
    def text(self) -> str:
        return " | ".join(self.cells)


_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$")
_ROW = re.compile(r"^\|\s*`([^`]+)`\s*\|(.*)\|\s*$")
_SPAN = re.compile(r"`([^`]+)`")
_VARIANT = re.compile(r"\w+: [\w-]+")


def parse_doc(text: str) -> tuple[dict[Place, dict[str, DocRow]], list[str]]:
    """Key rows per documented place, and the problems found while reading (duplicates)."""
    places: dict[Place, dict[str, DocRow]] = {}
    problems: list[str] = []
    current: Place | None = None
    in_code = False
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("```"):
            in_code = not in_code
        if in_code:
            continue
        heading = _HEADING.match(line)
        if heading:
            current = _heading_place(heading.group(2))
            if current is not None and current in places:
                problems.append(f"line {number}: a second heading for {label(current)}")
            if current is not None:
                places.setdefault(current, {})
            continue
        row = _ROW.match(line)
        if row and current is not None:
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", row.group(2))]
            key = row.group(1)
            if key in places[current]:
                problems.append(f"line {number}: `{key}` is documented twice under {label(current)}")
            places[current][key] = DocRow(key, cells, number)
    return places, problems


def _heading_place(title: str) -> Place | None:
    if title == ROOT_HEADING:
        return (ROOT, None)
    spans = _SPAN.findall(title)
    if not spans or not re.fullmatch(r"[$\w.\[\]<>]+", spans[0]):
        return None
    variant = next((s for s in spans[1:] if _VARIANT.fullmatch(s)), None)
    return (spans[0], variant)


@pytest.fixture(scope="module")
def schema() -> SchemaWalk:
    return SchemaWalk(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def doc() -> dict[Place, dict[str, DocRow]]:
    places, problems = parse_doc(DOC_FILE.read_text(encoding="utf-8"))
    assert not problems, "docs/workflow-format.md:\n" + "\n".join(problems)
    return places


def test_walk_reaches_every_object_of_the_schema(schema: SchemaWalk) -> None:
    # Guards the walker itself: if it stopped following $ref/allOf/oneOf, both directions would pass.
    assert schema.defs_seen == set(schema.root["$defs"])
    for place in [
        ("agents[].classifier_config", None),
        ("orchestration.config", "pattern: router"),
        ("inputs.<name>", None),
        ("$defs.input_ref", None),
        ("$defs.secret_ref", None),
    ]:
        assert place in schema.places, place
    patterns = set(schema.root["properties"]["orchestration"]["properties"]["pattern"]["enum"])
    assert {v for (p, v) in schema.places if p == "orchestration.config"} == {f"pattern: {p}" for p in patterns}


def test_every_schema_key_is_documented_in_its_place(schema: SchemaWalk, doc: dict[Place, dict[str, DocRow]]) -> None:
    missing = []
    for place, keys in schema.places.items():
        if place not in doc:
            missing.append(f"no heading for {label(place)} (keys: {', '.join(keys)})")
            continue
        missing.extend(
            f"key `{key}` of {label(place)} is not documented: add a row | `{key}` | ... | under that heading"
            for key in keys
            if key not in doc[place]
        )
    assert not missing, "docs/workflow-format.md is missing:\n" + "\n".join(missing)


def test_every_documented_key_exists_in_the_schema(schema: SchemaWalk, doc: dict[Place, dict[str, DocRow]]) -> None:
    extra = []
    for place, rows in doc.items():
        if place not in schema.places:
            if rows:  # headings without key rows may name anything (a `$defs` shape without keys, say)
                extra.append(f"the heading {label(place)} has key rows but names no object of the schema")
            continue
        extra.extend(
            f"line {row.line}: `{key}` is documented under {label(place)} but the schema has no such key there"
            for key, row in rows.items()
            if key not in schema.places[place]
        )
    assert not extra, "docs/workflow-format.md documents keys the schema does not have:\n" + "\n".join(extra)


def test_every_shared_shape_has_a_heading(schema: SchemaWalk, doc: dict[Place, dict[str, DocRow]]) -> None:
    missing = [f"`$defs.{name}`" for name in schema.root["$defs"] if (f"$defs.{name}", None) not in doc]
    assert not missing, "docs/workflow-format.md has no heading for: " + ", ".join(missing)


def _each_key(schema: SchemaWalk, doc: dict[Place, dict[str, DocRow]]) -> list[tuple[Place, str, SchemaKey, DocRow]]:
    return [
        (place, key, spec, doc[place][key])
        for place, keys in schema.places.items()
        for key, spec in keys.items()
        if place in doc and key in doc[place]
    ]


def test_every_enum_value_is_listed_in_its_row(schema: SchemaWalk, doc: dict[Place, dict[str, DocRow]]) -> None:
    missing: list[str] = []
    for place, key, spec, row in _each_key(schema, doc):
        values = list(spec.schema.get("enum", []))
        if "const" in spec.schema:
            values.append(spec.schema["const"])
        missing.extend(
            f"line {row.line}: `{key}` of {label(place)} does not list the value `{v}`"
            for v in values
            if f"`{v}`" not in row.text
        )
    assert not missing, "\n".join(missing)


def test_required_column_agrees_with_schema_and_validator(
    schema: SchemaWalk, doc: dict[Place, dict[str, DocRow]]
) -> None:
    wrong = []
    for place, key, spec, row in _each_key(schema, doc):
        cell = row.cells[1] if len(row.cells) > 1 else ""
        rule = PATTERN_RULES.get(place[1].split(": ")[1]) if place[1] and place[1].startswith("pattern") else None
        semantic = rule is not None and (key in rule.required or key == rule.bound)
        if spec.required or semantic:
            ok = cell.startswith("required")
        elif spec.required_when:
            ok = cell.startswith("required ")  # "required when ...", "required for ..."
        else:
            ok = cell == "optional" or (cell.startswith("required ") and cell != "required")
        if not ok:
            expected = (
                "required"
                if spec.required or semantic
                else ("required when ..." if spec.required_when else "optional (or required when ...)")
            )
            wrong.append(f"line {row.line}: `{key}` of {label(place)} says {cell!r}; expected {expected}")
    assert not wrong, "\n".join(wrong)


EN_DASH = "\u2013"  # ranges on the page are written with an en dash, as in 1\u20131000
_TYPE_WORDS = {
    "string": "string",
    "integer": "integer",
    "number": "number",
    "boolean": "boolean",
    "array": "list",
    "object": "mapping",
}


def _bound(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def test_type_column_agrees_with_schema(schema: SchemaWalk, doc: dict[Place, dict[str, DocRow]]) -> None:
    wrong = []
    for place, key, spec, row in _each_key(schema, doc):
        cell = row.cells[0].lower() if row.cells else ""
        node = spec.schema
        expected: list[str] = []
        ref = node.get("$ref")
        if isinstance(ref, str):
            name = ref.rsplit("/", 1)[1]
            if name not in cell and name.replace("_", " ") not in cell:
                wrong.append(f"line {row.line}: `{key}` of {label(place)}: type should name {name}")
            continue
        types = node.get("type", [])
        expected += [_TYPE_WORDS[t] for t in ([types] if isinstance(types, str) else types)]
        if "minimum" in node and "maximum" in node:
            expected.append(f"{_bound(node['minimum'])}{EN_DASH}{_bound(node['maximum'])}")
        elif "minimum" in node:
            expected.append(f"≥ {_bound(node['minimum'])}")
        if "exclusiveMinimum" in node:
            expected.append(f"> {_bound(node['exclusiveMinimum'])}")
        wrong.extend(
            f"line {row.line}: `{key}` of {label(place)}: type cell {row.cells[0]!r} should contain {word!r}"
            for word in expected
            if word not in cell
        )
    assert not wrong, "\n".join(wrong)
