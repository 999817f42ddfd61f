"""The two YAML checks that must happen before libyaml and PyYAML build anything.

* Nesting depth, from the parser's event stream. Composing a node tree recurses once per level of
  nesting (in C), so tens of thousands of `[` or `- ` crash the process before any later depth check
  could run. The event parser keeps its own stack and is cheap, so counting depth over its events and
  stopping at the limit refuses such a file in microseconds, whatever shape the nesting takes (flow
  brackets, block mappings, compact `- - -` sequences).
* Tags and the values they impose. A workflow file holds plain JSON-like data: only the core tags
  (`!!str`, `!!int`, `!!float`, `!!bool`, `!!null`, `!!timestamp`, `!!map`, `!!seq`) are allowed, and every
  scalar must convert under its tag (`!!bool maybe`, `!!int abc`, a date like `2024-13-45` or an integer
  past Python's digit limit do not). Each node is converted alone, so the problem has its own position;
  once every node passes, building the whole document cannot fail.
"""

from __future__ import annotations

import sys

import yaml

from aixgo_cli.schema.yaml_errors import Problem

_CORE = "tag:yaml.org,2002:"
SCALAR_TAGS = {f"{_CORE}{name}" for name in ("str", "int", "float", "bool", "null", "timestamp")}
MERGE_TAG = f"{_CORE}merge"
_MAP_TAG = f"{_CORE}map"
_SEQ_TAG = f"{_CORE}seq"

_START_EVENTS = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_END_EVENTS = (yaml.SequenceEndEvent, yaml.MappingEndEvent)

_VALUE_WORDS = {
    f"{_CORE}int": ("an integer", "write a whole number such as 3"),
    f"{_CORE}float": ("a number", "write a number such as 0.5"),
    f"{_CORE}bool": ("a boolean", "write true or false"),
    f"{_CORE}timestamp": ("a date", "write a date as YYYY-MM-DD"),
}


def nesting_problem(text: str, max_depth: int) -> Problem | None:
    """The first collection nested deeper than `max_depth`, found without building anything.

    Raises `yaml.MarkedYAMLError` for a syntax error met on the way, like composing would.
    """
    depth = 0
    for event in yaml.parse(text, Loader=yaml.CSafeLoader):
        if isinstance(event, _START_EVENTS):
            depth += 1
            if depth > max_depth:
                mark = event.start_mark
                line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
                return Problem(
                    line,
                    column,
                    f"the document nests deeper than {max_depth} levels",
                    "flatten the structure; a workflow never needs this much nesting",
                )
        elif isinstance(event, _END_EVENTS):
            depth -= 1
    return None


def tag_word(tag: str) -> str:
    """`tag:yaml.org,2002:set` as the user wrote it: `!!set`."""
    return tag.replace(_CORE, "!!")


def node_problem(node: yaml.Node, lines: list[str], *, is_key: bool = False) -> tuple[str, Problem] | None:
    """Why this node cannot become plain data (an issue code and the problem), or None.

    Children are checked on their own."""
    mark = node.start_mark
    line, column = mark.line + 1, mark.column + 1
    source = lines[mark.line][mark.column :] if mark.line < len(lines) else ""
    explicit = source.startswith("!")
    if isinstance(node, yaml.ScalarNode):
        allowed = node.tag in SCALAR_TAGS or (is_key and node.tag == MERGE_TAG)
    elif isinstance(node, yaml.MappingNode):
        allowed = node.tag == _MAP_TAG
    else:
        allowed = node.tag == _SEQ_TAG
    if not allowed and not explicit and isinstance(node, yaml.ScalarNode):
        return "yaml-value", Problem(
            line,
            column,
            f"YAML reads the unquoted `{node.value}` as its special {tag_word(node.tag)} value, not as text",
            f"quote it: '{node.value}'",
            column + len(str(node.value)),
        )
    if not allowed:
        known = node.tag in SCALAR_TAGS or node.tag in (_MAP_TAG, _SEQ_TAG)
        shape = {yaml.ScalarNode: "plain value", yaml.MappingNode: "mapping"}.get(type(node), "sequence")
        return "yaml-tag", Problem(
            line,
            column,
            f"the tag `{tag_word(node.tag)}` does not fit a {shape}"
            if known
            else f"the tag `{tag_word(node.tag)}` is not allowed",
            f"workflow files hold plain data: remove the `{'!!' if tag_word(node.tag).startswith('!!') else '!'}` tag",
            column + len(source.split(maxsplit=1)[0]) if source.strip() else None,
        )
    if not isinstance(node, yaml.ScalarNode) or node.tag == MERGE_TAG:
        return None
    return _scalar_problem(node, explicit)


def _scalar_problem(node: yaml.ScalarNode, explicit: bool) -> tuple[str, Problem] | None:
    try:
        yaml.constructor.SafeConstructor().construct_object(node)
    except (yaml.YAMLError, ValueError, TypeError, KeyError, AttributeError, OverflowError) as exc:
        return "yaml-value", _conversion_problem(node, explicit, exc)
    return None


def _conversion_problem(node: yaml.ScalarNode, explicit: bool, exc: Exception) -> Problem:
    mark, end = node.start_mark, node.end_mark
    value = str(node.value)
    shown = value if len(value) <= 40 else value[:37] + "..."
    end_column = end.column + 1 if end.line == mark.line else None
    digit_limit = sys.get_int_max_str_digits()
    if node.tag == f"{_CORE}int" and digit_limit and sum(ch.isdigit() for ch in value) > digit_limit:
        message = f"this number has more than {digit_limit:,} digits, more than a workflow can hold"
        hint = "quote it to keep it as text, or use a smaller number"
    else:
        kind, example = _VALUE_WORDS.get(node.tag, ("a value of this type", "write a plain value"))
        message = f"`{shown}` is not {kind} (tagged `{tag_word(node.tag)}`)" if explicit else f"`{shown}` is not {kind}"
        hint = f"{example}, or remove the `{tag_word(node.tag)}` tag" if explicit else f"{example}, or quote it"
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem:
        message += f": {exc.problem.strip()}"
    return Problem(mark.line + 1, mark.column + 1, message, hint, end_column)
