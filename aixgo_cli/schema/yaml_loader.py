"""Safe, bounded YAML loading that keeps every node's position.

Why it is shaped this way:

* The file is composed first (libyaml, fast) into a node tree that carries line and column marks, and
  that tree is checked *before* any Python objects are built: size, depth and the number of nodes after
  alias expansion are computed with memoisation, so an alias bomb is refused in linear time instead of
  being expanded.
* Duplicate keys are errors (YAML silently keeps the last one), and the YAML 1.1 readings that surprise
  people (`on: yes` becoming booleans, `012` becoming octal 10, `1.10` becoming 1.1) are recorded as
  `Trap`s so that later checks can explain them where they change meaning.
* Only then is the data built, again by libyaml, and normalised to JSON types (string keys, ISO dates).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from aixgo_cli.schema.issues import Issue, PathPart
from aixgo_cli.schema.yaml_errors import expansion_problem, line_col_of_offset, syntax_problem, tag_problem
from aixgo_cli.schema.yaml_values import nesting_problem, node_problem

MAX_FILE_BYTES = 4 * 1024 * 1024
MAX_DEPTH = 40
MAX_NODES = 100_000
MAX_SCALAR_CHARS = 1024 * 1024
MAX_KEY_CHARS = 1024

_PLAIN_INT = re.compile(r"[-+]?(0|[1-9][0-9]*)")
_PLAIN_FLOAT_TRAILING_ZERO = re.compile(r"[-+]?[0-9]*\.[0-9]*0")
_BOOL_WORDS_12 = {"true", "false"}

_BOOL_TAG = "tag:yaml.org,2002:bool"
_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_STR_TAG = "tag:yaml.org,2002:str"
# Problems after which the data cannot (or must not) be built.
_UNBUILDABLE = {"scalar-too-long", "key-too-long", "yaml-tag", "yaml-value"}


@dataclass(frozen=True)
class Trap:
    """A plain scalar whose YAML 1.1 reading differs from what its text suggests."""

    path: tuple[PathPart, ...]
    text: str
    value: Any
    line: int
    column: int

    def explain(self) -> str:
        kind = {"bool": "boolean", "int": "integer"}.get(type(self.value).__name__, type(self.value).__name__)
        shown = str(self.value).lower() if isinstance(self.value, bool) else repr(self.value)
        return f"YAML reads the unquoted `{self.text}` as the {kind} {shown}"


@dataclass
class LoadedWorkflow:
    """The data of a workflow file plus everything needed to point back into the text."""

    file: str
    text: str
    data: Any
    root: yaml.Node | None
    issues: list[Issue] = field(default_factory=list)
    traps: dict[tuple[PathPart, ...], Trap] = field(default_factory=dict)

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()


def load_workflow_file(path: Path, display_name: str | None = None) -> LoadedWorkflow:
    """Read and parse `path`. Problems are returned as issues; only I/O errors on the path raise."""
    name = display_name or str(path)
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        return _fail(
            name,
            "",
            "file-too-large",
            f"the file is {size / 1_048_576:.1f} MiB; workflow files are limited to {MAX_FILE_BYTES // 1_048_576} MiB",
            "keep data out of the workflow: use producer_config.file or --input @FILE",
        )
    raw = path.read_bytes()
    return load_workflow_bytes(raw, name)


def load_workflow_bytes(raw: bytes, name: str) -> LoadedWorkflow:
    if len(raw) > MAX_FILE_BYTES:
        return _fail(
            name,
            "",
            "file-too-large",
            f"the input is {len(raw) / 1_048_576:.1f} MiB; workflow files are limited to "
            f"{MAX_FILE_BYTES // 1_048_576} MiB",
            "keep data out of the workflow file",
        )
    nul = raw.find(b"\x00")
    if nul != -1:
        line, col = line_col_of_offset(raw, nul)
        return _fail(
            name,
            "",
            "binary-file",
            "this is not a text file (it contains a NUL byte)",
            "give aixgo a YAML workflow file",
            line,
            col,
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, col = line_col_of_offset(raw, exc.start)
        # The excerpt shows the line with the bad byte replaced, so the user can find it.
        return _fail(
            name,
            raw.decode("utf-8", errors="replace"),
            "not-utf8",
            f"the file is not valid UTF-8: byte 0x{raw[exc.start]:02X} cannot start a character here",
            "save the file as UTF-8 (this byte suggests Latin-1 or Windows-1252)"
            if raw[exc.start] >= 0xA0
            else "save the file as UTF-8",
            line,
            col,
            col + 1,
        )
    if not text.strip() or all(not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()):
        return _fail(
            name,
            text,
            "empty-file",
            "the workflow file is empty" if not text.strip() else "the workflow file holds only comments",
            "start from a template: aixgo init > workflow.yaml",
        )
    try:
        # Depth first: composing recurses per level in C, so a deep file must be refused before that.
        deep = nesting_problem(text, MAX_DEPTH)
        if deep is not None:
            return _fail(
                name, text, "yaml-too-complex", deep.message, deep.hint, deep.line, deep.column, deep.column + 1
            )
        root = yaml.compose(text, Loader=yaml.CSafeLoader)
    except yaml.MarkedYAMLError as exc:
        problem = syntax_problem(text, exc)
        return _fail(
            name, text, "yaml-syntax", problem.message, problem.hint, problem.line, problem.column, problem.end_column
        )
    except yaml.YAMLError as exc:
        return _fail(name, text, "yaml-syntax", f"YAML error: {exc}", None)
    loaded = LoadedWorkflow(file=name, text=text, data=None, root=root)
    if root is None:
        loaded.issues.append(
            _issue(
                name,
                1,
                1,
                "empty-file",
                "the workflow file has no content",
                "start from a template: aixgo init > workflow.yaml",
            )
        )
        return loaded
    bomb = expansion_problem(root, text, MAX_NODES, MAX_DEPTH)
    if bomb is not None:
        loaded.issues.append(_issue(name, bomb.line, bomb.column, "yaml-too-complex", bomb.message, bomb.hint))
        return loaded
    _walk(loaded, root)
    if any(i.code in _UNBUILDABLE for i in loaded.issues):
        return loaded
    try:
        data = yaml.load(text, Loader=yaml.CSafeLoader)
    except yaml.MarkedYAMLError as exc:  # a tag or value the safe constructor refuses
        tag = tag_problem(loaded.lines, exc)
        loaded.issues.append(
            _issue(name, tag.line, tag.column, "yaml-tag", tag.message, tag.hint, end_column=tag.end_column)
        )
        return loaded
    except yaml.YAMLError as exc:
        loaded.issues.append(_issue(name, 1, 1, "yaml-syntax", f"YAML error: {exc}".splitlines()[0], None))
        return loaded
    loaded.data = _normalise(data, root)
    return loaded


def _fail(
    name: str,
    text: str,
    code: str,
    message: str,
    hint: str | None,
    line: int = 1,
    col: int = 1,
    end_column: int | None = None,
) -> LoadedWorkflow:
    loaded = LoadedWorkflow(file=name, text=text, data=None, root=None)
    loaded.issues.append(_issue(name, line, col, code, message, hint, end_column=end_column))
    return loaded


def _issue(
    name: str,
    line: int,
    col: int,
    code: str,
    message: str,
    hint: str | None,
    path: tuple[PathPart, ...] = (),
    end_column: int | None = None,
) -> Issue:
    return Issue(
        file=name,
        line=line,
        column=col,
        severity="error",
        code=code,
        message=message,
        hint=hint,
        path=path,
        end_column=end_column,
    )


def _walk(loaded: LoadedWorkflow, root: yaml.Node) -> None:
    """Duplicate keys, non-string keys, oversized scalars and YAML 1.1 traps, with their paths."""
    name = loaded.file
    lines = loaded.lines
    checked: set[int] = set()  # a node reached again through an alias is checked once
    stack: list[tuple[yaml.Node, tuple[PathPart, ...]]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        if id(node) not in checked:
            checked.add(id(node))
            if _refuse_node(loaded, node, lines, path):
                continue
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, yaml.Node] = {}
            for key_node, value_node in node.value:
                key_text = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
                mark = key_node.start_mark
                if not isinstance(key_node, yaml.ScalarNode):
                    loaded.issues.append(
                        _issue(
                            name,
                            mark.line + 1,
                            mark.column + 1,
                            "complex-key",
                            "a key must be a plain string",
                            None,
                            path,
                        )
                    )
                    continue
                if key_node.tag == "tag:yaml.org,2002:merge":
                    _refuse_merged(loaded, value_node, lines, path, checked)
                    continue
                if len(key_text) <= MAX_KEY_CHARS and _refuse_node(loaded, key_node, lines, path, is_key=True):
                    continue
                if len(key_text) > MAX_KEY_CHARS:
                    loaded.issues.append(
                        _issue(
                            name,
                            mark.line + 1,
                            mark.column + 1,
                            "key-too-long",
                            f"a key is longer than {MAX_KEY_CHARS} characters",
                            None,
                            path,
                        )
                    )
                    continue
                if key_node.tag != _STR_TAG and _is_plain(key_node):
                    loaded.issues.append(
                        _issue(
                            name,
                            mark.line + 1,
                            mark.column + 1,
                            "yaml11-key",
                            f"the key `{key_text}` is not read as text: YAML reads it as {_tag_word(key_node.tag)}",
                            f"quote it: '{key_text}':",
                            path,
                            mark.column + 1 + len(key_text),
                        )
                    )
                if key_text in seen:
                    first = seen[key_text].start_mark
                    loaded.issues.append(
                        _issue(
                            name,
                            mark.line + 1,
                            mark.column + 1,
                            "duplicate-key",
                            f"the key '{key_text}' appears twice in this mapping (first at line {first.line + 1})",
                            "remove one of them; YAML would silently keep only the last",
                            path,
                            mark.column + 1 + len(key_text),
                        )
                    )
                seen[key_text] = key_node
                stack.append((value_node, (*path, key_text)))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((child, (*path, index)) for index, child in enumerate(node.value))
        elif isinstance(node, yaml.ScalarNode):
            _check_scalar(loaded, node, path)


def _refuse_node(
    loaded: LoadedWorkflow, node: yaml.Node, lines: list[str], path: tuple[PathPart, ...], *, is_key: bool = False
) -> bool:
    """Record why a node cannot become data (a tag, or a value its tag cannot read); True if so."""
    if isinstance(node, yaml.ScalarNode) and len(str(node.value)) > MAX_SCALAR_CHARS:
        return False  # reported as too long; converting it would only cost time
    found = node_problem(node, lines, is_key=is_key)
    if found is None:
        return False
    code, problem = found
    loaded.issues.append(
        _issue(loaded.file, problem.line, problem.column, code, problem.message, problem.hint, path, problem.end_column)
    )
    return True


def _refuse_merged(
    loaded: LoadedWorkflow, node: yaml.Node, lines: list[str], path: tuple[PathPart, ...], checked: set[int]
) -> None:
    """What `<<:` merges is checked for tags and values only: its keys are reported where they are defined."""
    pending = [(node, False)]
    while pending:
        current, is_key = pending.pop()
        if id(current) in checked:
            continue
        checked.add(id(current))
        if _refuse_node(loaded, current, lines, path, is_key=is_key):
            continue
        if isinstance(current, yaml.MappingNode):
            pending.extend((part, part is key) for key, value in current.value for part in (key, value))
        elif isinstance(current, yaml.SequenceNode):
            pending.extend((child, False) for child in current.value)


def _check_scalar(loaded: LoadedWorkflow, node: yaml.ScalarNode, path: tuple[PathPart, ...]) -> None:
    text = str(node.value)
    mark = node.start_mark
    if len(text) > MAX_SCALAR_CHARS:
        loaded.issues.append(
            _issue(
                loaded.file,
                mark.line + 1,
                mark.column + 1,
                "scalar-too-long",
                f"a value is longer than {MAX_SCALAR_CHARS:,} characters",
                "move large text into a file",
                path,
            )
        )
        return
    if not _is_plain(node):
        return
    value: Any
    if node.tag == _BOOL_TAG and text.lower() not in _BOOL_WORDS_12:
        value = text.lower() in {"yes", "on", "y"}
    elif node.tag == _INT_TAG and not _PLAIN_INT.fullmatch(text):
        value = yaml.load(text, Loader=yaml.CSafeLoader)
        if re.fullmatch(r"[-+]?0[0-7]+", text):
            loaded.issues.append(
                _issue(
                    loaded.file,
                    mark.line + 1,
                    mark.column + 1,
                    "yaml11-octal",
                    f"YAML reads `{text}` as the octal number {value}, not {int(text.lstrip('+-') or 0)}",
                    f"write {text.lstrip('0') or '0'} without the leading zero, or quote it: '{text}'",
                    path,
                    mark.column + 1 + len(text),
                )
            )
    elif node.tag == _FLOAT_TAG and (_PLAIN_FLOAT_TRAILING_ZERO.fullmatch(text) or ":" in text or "_" in text):
        value = yaml.load(text, Loader=yaml.CSafeLoader)
    else:
        return
    loaded.traps[path] = Trap(path=path, text=text, value=value, line=mark.line + 1, column=mark.column + 1)


def _is_plain(node: yaml.ScalarNode) -> bool:
    """libyaml marks plain scalars with style '' where the pure-Python parser uses None."""
    return not node.style


def _tag_word(tag: str) -> str:
    return {
        _BOOL_TAG: "a boolean",
        _INT_TAG: "a number",
        _FLOAT_TAG: "a number",
        "tag:yaml.org,2002:null": "null",
        "tag:yaml.org,2002:timestamp": "a date",
    }.get(tag, tag)


def _normalise(data: Any, node: yaml.Node | None) -> Any:
    """JSON types only: string keys (keeping the text the user wrote), dates as ISO strings."""
    if isinstance(data, dict):
        texts: dict[Any, str] = {}
        if isinstance(node, yaml.MappingNode):
            for key_node, _ in node.value:
                if isinstance(key_node, yaml.ScalarNode):
                    if key_node.tag == "tag:yaml.org,2002:merge":
                        continue  # `<<: *anchor` was merged into the data; it is not a key of its own
                    texts.setdefault(_scalar_key(key_node), str(key_node.value))
        value_nodes = _mapping_value_nodes(node)
        out: dict[str, Any] = {}
        for key, value in data.items():
            text = texts.get(key, str(key))
            out[text] = _normalise(value, value_nodes.get(text))
        return out
    if isinstance(data, list):
        items = node.value if isinstance(node, yaml.SequenceNode) else []
        return [_normalise(v, items[i] if i < len(items) else None) for i, v in enumerate(data)]
    if hasattr(data, "isoformat"):
        return data.isoformat()
    if isinstance(data, bytes):
        return data.decode("latin-1")
    return data


def _scalar_key(node: yaml.ScalarNode) -> Any:
    if node.tag == _STR_TAG or not _is_plain(node):
        return str(node.value)
    return yaml.load(str(node.value), Loader=yaml.CSafeLoader)


def _mapping_value_nodes(node: yaml.Node | None) -> dict[str, yaml.Node]:
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(k.value): v for k, v in node.value if isinstance(k, yaml.ScalarNode)}
