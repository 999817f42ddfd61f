"""The lexical half of template analysis: find the tags of a Jinja2 template and split them into tokens.

`template_refs` decides what the tokens read; this module only knows where tags start and end, which
text is a string literal (so `{{ '}}' }}` is one tag), and which parts are comments or raw text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import NamedTuple

# Jinja2's default globals: a template may use them without the context providing them.
# Plain classes and named tuples rather than dataclasses: `validate` imports this module, and each
# dataclass costs about a millisecond to define.
JINJA_GLOBALS = frozenset({"range", "dict", "lipsum", "cycler", "joiner", "namespace", "self"})


class Token(NamedTuple):
    kind: str  # "name", "number", "string" or "op"
    text: str  # as written (a string with its quotes)
    start: int  # offset in the template
    value: str = ""  # a string literal's value

    @property
    def end(self) -> int:
        return self.start + len(self.text)


class Reference(NamedTuple):
    """One read of a name from the context: `name` at `start`; `key` is its first attribute or string
    subscript (`outputs.draft`, `outputs['draft']`); `end` is where the reference ends."""

    name: str
    key: str | None
    start: int
    end: int
    dashed: str | None = None  # `outputs.first-agent`: Jinja2 reads a subtraction; the dashed spelling
    # Tested with `is defined` or given a `default`: the template copes when the context lacks it.
    guarded: bool = False


class Unclosed(NamedTuple):
    opener: str  # "{{", "{%" or "{#"
    closer: str
    offset: int


class Frame:
    """A scope: the names bound in it; `pending` names are bound in the enclosing scope when it closes
    (a macro's name, a block `set`); a frame that does not bind (an `if`) ignores `set`."""

    __slots__ = ("binds", "bound", "kind", "pending")

    def __init__(self, kind: str, bound: set[str], binds: bool = True, pending: tuple[Token, ...] = ()) -> None:
        self.kind = kind
        self.bound = bound
        self.binds = binds
        self.pending = pending


_CLOSERS = {"{{": "}}", "{%": "%}", "{#": "#}"}
_TOKEN_PATTERN = r"""(?P<space>\s+)
      | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
      | (?P<number>\d[\d_]*(?:\.\d[\d_]*)?(?:[eE][+-]?\d+)?)
      | (?P<name>[^\W\d]\w*)
      | (?P<op>==|!=|>=|<=|//|\*\*|.)"""


@cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """Tag openers, `{% endraw %}` and tokens; compiled on first use, not when `validate` imports this."""
    return (
        re.compile(r"\{[{%#]"),
        re.compile(r"\{%[-+]?\s*endraw\s*[-+]?%\}"),
        re.compile(_TOKEN_PATTERN, re.VERBOSE | re.DOTALL),
    )


ExpressionHandler = Callable[[list[Token], list[Frame]], None]
StatementHandler = Callable[[str, list[Token], list[Frame]], None]


def scan(
    text: str, on_expression: ExpressionHandler, on_statement: StatementHandler, top: Frame | None = None
) -> Unclosed | None:
    """Walk the template's tags in order, handing each `{{ }}` and `{% %}` to its handler with the scope
    stack (starting at `top`); returns the first tag that does not close (the rest is then not scanned)."""
    frames = [top or Frame("template", set())]
    opener_pattern, end_raw, _ = _patterns()
    position = 0
    while True:
        found = opener_pattern.search(text, position)
        if found is None:
            return None
        opener = found.group(0)
        closer = _CLOSERS[opener]
        if opener == "{#":
            end = text.find("#}", found.end())
            if end == -1:
                return Unclosed(opener, closer, found.start())
            position = end + 2
            continue
        tokens, position = _tag_tokens(text, found.end(), closer)
        if position == -1:
            return Unclosed(opener, closer, found.start())
        if opener == "{{":
            on_expression(tokens, frames)
            continue
        tag = tokens[0].text if tokens else ""
        if tag == "raw":
            raw_end = end_raw.search(text, position)
            if raw_end is None:
                return Unclosed(opener, closer, found.start())
            position = raw_end.end()
            continue
        on_statement(tag, tokens, frames)


def _tag_tokens(text: str, start: int, closer: str) -> tuple[list[Token], int]:
    """The tokens of a tag whose opener ends at `start`, and the offset after its closer (-1: none)."""
    token = _patterns()[2]
    position = start
    if position < len(text) and text[position] in "-+":  # whitespace control: `{{-`, `{%+`
        position += 1
    tokens: list[Token] = []
    while position < len(text):
        if text.startswith(closer, position):
            return tokens, position + len(closer)
        if text[position] in "-+" and text.startswith(closer, position + 1):
            return tokens, position + 1 + len(closer)
        match = token.match(text, position)
        assert match is not None  # any character is at least an operator
        kind = match.lastgroup or "op"
        if kind != "space":
            word = match.group(0)
            value = _unquote(word) if kind == "string" else ""
            tokens.append(Token(kind, word, position, value))
        position = match.end()
    return tokens, -1


def _unquote(literal: str) -> str:
    return re.sub(r"\\(.)", r"\1", literal[1:-1])
