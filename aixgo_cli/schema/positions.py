"""From a JSON path in the data back to a line and column in the YAML text."""

from __future__ import annotations

import yaml

from aixgo_cli.schema.issues import PathPart


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
        for key, _ in parent.value:
            if isinstance(key, yaml.ScalarNode) and str(key.value) == path[-1]:
                return key
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
        found = None
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and str(key.value) == part:
                found = value  # the last duplicate wins, as it does in the data
        return found
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
        child: yaml.Node = node.value[part]
        return child
    return None
