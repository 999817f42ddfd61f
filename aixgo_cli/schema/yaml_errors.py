"""YAML problems in words a workflow author understands, positioned where the fix goes.

libyaml reports what its parser expected ("did not find expected '-' indicator"), at the place it gave
up, which is often the line after the mistake. This module turns the common cases into a plain
sentence and moves the position back to the cause: the opening quote that never closes, the `[`
without its `]`, the alias inside its own anchor. `yaml_loader` decides what is a problem; this module
only says it well.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml


@dataclass(frozen=True)
class Problem:
    """A positioned problem (1-based), before it becomes an `Issue` of a particular file."""

    line: int
    column: int
    message: str
    hint: str | None
    end_column: int | None = None


def line_col_of_offset(raw: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column of a byte offset (for problems found before the text is decoded)."""
    before = raw[:offset]
    line = before.count(b"\n") + 1
    col = offset - (before.rfind(b"\n") + 1) + 1
    return line, col


def syntax_problem(text: str, exc: yaml.MarkedYAMLError) -> Problem:
    """libyaml's words, rewritten for the mistakes people make, pointing where the fix goes."""
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    problem = (exc.problem or "invalid YAML").strip()
    context = (exc.context or "").strip()
    lines = text.splitlines()
    line_text = lines[line - 1] if 0 < line <= len(lines) else ""
    opened = exc.context_mark
    message, hint = f"YAML syntax error: {problem}" + (f" ({context})" if context else ""), None
    indent = line_text[: len(line_text) - len(line_text.lstrip(" \t"))]
    if "tab character" in problem or "\t" in indent:
        message = "a tab character is used for indentation"
        hint = "YAML indentation must use spaces; replace the tabs with spaces"
        tab = line_text.find("\t")
        col = tab + 1 if tab >= 0 else col
    elif "quoted scalar" in context and "end of stream" in problem and opened is not None:
        line, col = opened.line + 1, opened.column + 1
        message = "this quote is never closed"
        hint = "add the closing quote; for long text use a block: `prompt: |` with the text on the lines below"
    elif "flow sequence" in context or "flow mapping" in context:
        opener, closer = ("[", "]") if "sequence" in context else ("{", "}")
        if opened is not None:
            line, col = opened.line + 1, opened.column + 1
        message = f"this `{opener}` is never closed with `{closer}`"
        hint = f"close it with `{closer}` on the same line, or write the items as lines starting with '- '"
    elif "another document" in problem:
        message = "the file holds more than one YAML document; a second one starts here"
        hint = "a workflow file holds one workflow: remove this '---' and what follows, or split the file"
    elif "mapping values are not allowed" in problem:
        message = "a second ': ' on this line: YAML reads it as a nested key, not as text"
        hint = "quote the whole value (prompt: \"...: ...\"), or use a block (`prompt: |`) for text with ': '"
    elif problem in ("did not find expected '-' indicator", "did not find expected key") or "block end" in problem:
        message = "this line is not indented like the lines around it"
        hint = "keys of one mapping, and the '- ' items of one list, must start in the same column"
    elif "could not find expected ':'" in problem:
        hint = "each line in a mapping needs 'key: value'; check the indentation and quotes"
    elif "undefined alias" in problem:
        message = "this alias (*name) refers to an anchor that is not defined"
        hint = "define the anchor (&name) before using the alias (*name)"
    elif "unknown escape character" in problem:
        message = "a backslash in a double-quoted value starts an unknown escape"
        hint = "use single quotes for text with backslashes, or double the backslash (\\\\)"
    # A single character (tab, quote, bracket) is marked alone rather than with the word after it.
    single = message.startswith(("a tab", "this quote", "this `"))
    return Problem(line, col, message, hint, col + 1 if single else None)


def tag_problem(lines: list[str], exc: yaml.MarkedYAMLError) -> Problem:
    """A tag the safe constructor refuses (`!!python/object/apply:...`): name it and mark all of it."""
    mark = exc.problem_mark
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    tag = re.search(r"tag '([^']*)'", exc.problem or "")
    message = (
        f"the tag `{tag.group(1).replace('tag:yaml.org,2002:', '!!')}` is not allowed"
        if tag
        else f"YAML error: {(exc.problem or 'invalid value').strip()}"
    )
    token = re.match(r"\S+", lines[line - 1][col - 1 :]) if 0 < line <= len(lines) else None
    return Problem(
        line,
        col,
        message,
        "workflow files hold plain data: remove the `!!` tag",
        col + len(token.group(0)) if token else None,
    )


def expansion_problem(root: yaml.Node, text: str, max_nodes: int, max_depth: int) -> Problem | None:
    """Expanded node count and depth, memoised per node so aliases cost nothing to count."""
    multiply = "remove the aliases that multiply the document, or split the data out"
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    in_progress: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if key in size:
            continue
        children = _children(node)
        if not children_done:
            if key in in_progress:
                return _recursive_alias(node, text)
            in_progress.add(key)
            stack.append((node, True))
            stack.extend((child, False) for child in children if id(child) not in size)
            continue
        in_progress.discard(key)
        size[key] = 1 + sum(size[id(c)] for c in children)
        depth[key] = 1 + max((depth[id(c)] for c in children), default=0)
        if size[key] > max_nodes:
            mark = node.start_mark
            return Problem(
                mark.line + 1,
                mark.column + 1,
                f"the document expands to more than {max_nodes:,} nodes once aliases are followed (an alias bomb?)",
                multiply,
            )
        if depth[key] > max_depth:
            mark = node.start_mark
            return Problem(
                mark.line + 1,
                mark.column + 1,
                f"the document nests deeper than {max_depth} levels",
                "flatten the structure; a workflow never needs this much nesting",
            )
    return None


def _recursive_alias(node: yaml.Node, text: str) -> Problem:
    """Point at the alias inside its own anchor (`&agents ... *agents`), which is where the fix goes."""
    mark = node.start_mark
    lines = text.splitlines(keepends=True)
    offset = sum(len(line) for line in lines[: mark.line]) + mark.column
    anchor = re.match(r"&([^\s,\[\]{}]+)", text[offset:])
    line, col, label = mark.line + 1, mark.column + 1, "an anchor"
    if anchor is not None:
        label = f"the anchor &{anchor.group(1)}"
        alias = re.compile(r"\*" + re.escape(anchor.group(1)) + r"(?![^\s,\[\]{}])").search(text, offset)
        if alias is not None:
            line, col = line_col_of_offset(text[: alias.start()].encode(), len(text[: alias.start()].encode()))
    return Problem(
        line,
        col,
        f"{label} is used inside itself, so the data would be infinitely deep",
        "an alias (*name) may only refer to an anchor (&name) that it is not part of",
    )


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []
