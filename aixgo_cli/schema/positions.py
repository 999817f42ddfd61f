"""From a JSON path in the data back to a line and column in the YAML text."""

from __future__ import annotations

import bisect
import weakref
from functools import lru_cache

import yaml

from aixgo_cli.schema.issues import PathPart

# Per-mapping indexes, built on first use and dropped with the node tree (see `_child`).
_values_by_key: weakref.WeakKeyDictionary[yaml.MappingNode, dict[str, yaml.Node]] = weakref.WeakKeyDictionary()
_keys_by_name: weakref.WeakKeyDictionary[yaml.MappingNode, dict[str, yaml.Node]] = weakref.WeakKeyDictionary()


def node_at(root: yaml.Node | None, path: tuple[PathPart, ...] | list[PathPart]) -> yaml.Node | None:
    """The deepest node along `path` that exists (so a missing key points at its parent)."""
    node = root
    for part in path:
        child = _child(node, part)
        if child is None:
            break
        node = child
    return node


def key_node_at(root: yaml.Node | None, path: tuple[PathPart, ...] | list[PathPart]) -> yaml.Node | None:
    """The key node of the last path element, when that element is a mapping key."""
    if not path or not isinstance(path[-1], str):
        return None
    parent = node_at(root, path[:-1])
    if isinstance(parent, yaml.MappingNode):
        index = _keys_by_name.get(parent)
        if index is None:
            index = {}
            for key, _ in parent.value:
                if isinstance(key, yaml.ScalarNode):
                    index.setdefault(str(key.value), key)  # the first spelling of a duplicate key
            _keys_by_name[parent] = index
        return index.get(path[-1])
    return None


def position(
    root: yaml.Node | None, path: tuple[PathPart, ...] | list[PathPart], *, at_key: bool = False
) -> tuple[int, int, int | None]:
    """1-based (line, column, end_column) for `path`; end_column is set for single-line scalars."""
    node = key_node_at(root, path) if at_key else None
    if node is None:
        node = node_at(root, path)
        if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and path and isinstance(path[-1], str):
            # A problem with a whole block reads best at the block's key (`classifier_config:`).
            node = key_node_at(root, path) or node
    if node is None:
        return 1, 1, None
    start, end = node.start_mark, node.end_mark
    end_column = end.column + 1 if isinstance(node, yaml.ScalarNode) and end.line == start.line else None
    return start.line + 1, start.column + 1, end_column


def _child(node: yaml.Node | None, part: PathPart) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode) and isinstance(part, str):
        # Indexed once per mapping: a file with thousands of problems in one large mapping (`flows:`,
        # `inputs:`) would otherwise scan all its keys once per problem.
        index = _values_by_key.get(node)
        if index is None:
            index = {str(key.value): value for key, value in node.value if isinstance(key, yaml.ScalarNode)}
            _values_by_key[node] = index  # the last duplicate wins, as it does in the data
        return index.get(part)
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
        child: yaml.Node = node.value[part]
        return child
    return None


def position_in_scalar(
    root: yaml.Node | None, source: str, path: tuple[PathPart, ...], value: str, offset: int, length: int
) -> tuple[int, int, int] | None:
    """1-based (line, column, end_column) of `value[offset:offset+length]` in the YAML source text.

    A scalar's value is not its source: block scalars drop indentation, folded ones join lines, quoted
    ones unescape. Rather than model each style, find the same occurrence of the token in the node's
    source span; tokens (a name, `{{`) survive every style unchanged. None when it cannot be found.
    """
    node = node_at(root, path)
    token = value[offset : offset + length]
    if not isinstance(node, yaml.ScalarNode) or not token or "\n" in token:
        return None
    occurrence = value.count(token, 0, offset)
    line_starts = _line_starts(source)
    start, end = node.start_mark, node.end_mark
    if end.line >= len(line_starts):
        return None
    begin = line_starts[start.line] + start.column
    span = source[begin : line_starts[end.line] + end.column]
    found = -1
    for _ in range(occurrence + 1):
        found = span.find(token, found + 1)
        if found == -1:
            return None
    absolute = begin + found
    line = bisect.bisect_right(line_starts, absolute) - 1
    column = absolute - line_starts[line] + 1
    return line + 1, column, column + len(token)


@lru_cache(maxsize=2)
def _line_starts(source: str) -> tuple[int, ...]:
    """Offsets where each line of `source` starts. Computed once per text: every positioned template
    problem needs them, and recomputing them per problem made validation quadratic."""
    starts = [0]
    for source_line in source.splitlines(keepends=True):
        starts.append(starts[-1] + len(source_line))
    return tuple(starts)
