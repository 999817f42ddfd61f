"""What a prompt template reads: one scanner for validation, the engine and the renderer.

Validation must not import Jinja2 (~55 ms), yet it, the unit key (which upstream outputs and workflow
inputs a prompt can see) and the message builder (does the prompt contain the input?) must agree on
what a template reads. So one small scanner follows Jinja2's syntax closely enough for that question:
tags, string literals, comments, `{% raw %}`, whitespace control, filters, tests, attributes,
subscripts, keyword arguments, and the names that `for`, `set`, `with`, `macro` and `call` bind, in
Jinja2's scopes (a `set` inside an `if` binds nothing outside Jinja2's own analysis either). A property
test holds it to `jinja2.meta.find_undeclared_variables`.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

from aixgo_cli.config.template_scan import (
    JINJA_GLOBALS,
    Frame,
    Reference,
    Token,
    Unclosed,
    scan,
)

__all__ = ["Reference", "TemplateReads", "Unclosed", "analyse_template", "reads_of"]


class TemplateReads(NamedTuple):
    """The names a template reads from the context it is rendered with, in order of appearance."""

    references: tuple[Reference, ...] = ()
    unclosed: Unclosed | None = None  # the first tag or comment that does not close

    @property
    def names(self) -> frozenset[str]:
        return frozenset(ref.name for ref in self.references)

    @property
    def outputs(self) -> frozenset[str] | None:
        """The upstream outputs read by name; None when `outputs` is used as a whole (looped over,
        passed to a filter, subscripted with a variable)."""
        used = [ref for ref in self.references if ref.name == "outputs"]
        if any(ref.key is None for ref in used):
            return None
        return frozenset(ref.key for ref in used if ref.key is not None)

    @property
    def inputs(self) -> bool:
        return "inputs" in self.names

    @property
    def reads_input(self) -> bool:
        """True when the template places the input itself (`input` or `item`)."""
        return bool(self.names & {"input", "item"})

    def merged(self, other: TemplateReads) -> TemplateReads:
        return TemplateReads(self.references + other.references, self.unclosed or other.unclosed)


@lru_cache(maxsize=1024)
def analyse_template(text: str) -> TemplateReads:
    """The references of one template (cached: a prompt is analysed once per process)."""
    late: frozenset[str] = frozenset()
    if "set" in text or "macro" in text:
        # A block (a loop's body, a macro) sees every name the template assigns at its top level, even
        # after the block, as Jinja2 resolves names per scope: a first pass collects them.
        top = Frame("template", set())
        scan(
            text,
            lambda tokens, frames: None,
            lambda tag, tokens, frames: _statement(tag, tokens, frames, [], late),
            top,
        )
        late = frozenset(top.bound)
    references: list[Reference] = []
    unclosed = scan(
        text,
        lambda tokens, frames: read_expression(tokens, frames, references),
        lambda tag, tokens, frames: _statement(tag, tokens, frames, references, late),
    )
    return TemplateReads(tuple(references), unclosed)


def reads_of(*templates: str | None) -> TemplateReads:
    """The union of what several templates read (an agent's prompt and its verification prompt)."""
    total = TemplateReads()
    for text in templates:
        if text:
            total = total.merged(analyse_template(text))
    return total


_KEYWORDS = frozenset({"and", "or", "not", "in", "is", "if", "else", "true", "false", "none", "True", "False", "None"})


def _statement(tag: str, tokens: list[Token], frames: list[Frame], out: list[Reference], late: frozenset[str]) -> None:
    """Record the reads of one `{% ... %}` statement and open or close the scopes it opens or closes."""
    rest = tokens[1:]
    if tag == "for":
        depth_zero = _depth_zero(rest)
        split = next((i for i, tok in enumerate(rest) if tok.text == "in" and depth_zero[i]), len(rest))
        cond = next((i for i in range(split, len(rest)) if rest[i].text == "if" and depth_zero[i]), len(rest))
        iterable = [tok for tok in rest[split + 1 : cond] if tok.text != "recursive"]
        read_expression(iterable, frames, out)
        frames.append(Frame("for", {*late, *_names(rest[:split]), "loop"}))
        read_expression([tok for tok in rest[cond + 1 :] if tok.text != "recursive"], frames, out)
    elif tag == "if":
        read_expression(rest, frames, out)
        frames.append(Frame("if", set(), binds=False))
    elif tag == "elif":
        read_expression(rest, frames, out)
    elif tag == "else":
        if frames and frames[-1].kind == "for":  # a loop's else block sees no loop variables
            frames[-1] = Frame("for-else", set(late))
    elif tag == "set":
        equals = next((i for i, tok in enumerate(rest) if tok.text == "="), None)
        if equals is None:  # a block assignment: `{% set x %}...{% endset %}`
            frames.append(Frame("set", set(late), pending=tuple(rest)))
            return
        read_expression(rest[equals + 1 :], frames, out)
        targets = rest[:equals]
        if any(tok.text == "." for tok in targets):  # `set ns.count = ...` reads the namespace
            read_expression(targets[:1], frames, out)
        else:
            _bind(frames, targets, out)
    elif tag == "with":
        bound: set[str] = set()
        for part in _split_commas(rest):
            if len(part) >= 2 and part[1].text == "=":
                read_expression(part[2:], frames, out)
                bound.add(part[0].text)
        frames.append(Frame("with", {*late, *bound}))
    elif tag == "macro":
        inner = rest[2:-1] if len(rest) > 2 and rest[1].text == "(" else []
        scope = Frame("macro", {*late, *_parameter_names(inner)}, pending=tuple(rest[:1]))
        frames.append(scope)  # its defaults see its parameters and the late names, but not `caller`
        _parameters(rest[1:], frames, out)
        scope.bound.update({"varargs", "kwargs", "caller"})
    elif tag == "call":
        params: set[str] = set()
        if rest and rest[0].text == "(":
            end = _closing(rest, 0)
            params = _parameters(rest[: end + 1], frames, out)
            rest = rest[end + 1 :]
        read_expression(rest, frames, out)
        frames.append(Frame("call", {*late, *params, "caller"}))
    elif tag == "filter":
        read_expression(rest[1:], frames, out)
        frames.append(Frame("filter", set(late)))
    elif tag == "block":
        frames.append(Frame("block", set(late)))
    elif tag.startswith("end"):
        if len(frames) > 1:
            closed = frames.pop()
            _bind(frames, closed.pending, out)
    elif tag in ("import", "from", "include", "extends"):
        # Templates are compiled from strings without a loader, so these fail at `run`; only the names
        # they would bind matter here.
        _bind(frames, [rest[i + 1] for i, tok in enumerate(rest[:-1]) if tok.text == "as"], out)
    else:
        read_expression(rest, frames, out)


def read_expression(tokens: list[Token], frames: list[Frame], out: list[Reference]) -> None:
    """Record each name the expression reads from the context (not one bound by an enclosing scope)."""
    depth = 0
    for i, tok in enumerate(tokens):
        if tok.text in "([{" and tok.kind == "op":
            depth += 1
        elif tok.text in ")]}" and tok.kind == "op":
            depth -= 1
        if tok.kind != "name" or tok.text in _KEYWORDS:
            continue
        before = tokens[i - 1].text if i > 0 else ""
        if before in (".", "|", "is") or (before == "not" and i > 1 and tokens[i - 2].text == "is"):
            continue  # an attribute, a filter or a test name
        after = tokens[i + 1].text if i + 1 < len(tokens) else ""
        if after == "=" and depth > 0:
            continue  # a keyword argument's name
        if tok.text in JINJA_GLOBALS or any(tok.text in frame.bound for frame in frames):
            continue
        out.append(_reference(tokens, i)._replace(guarded=_guarded(tokens, _chain_end(tokens, i + 1))))


def _reference(tokens: list[Token], i: int) -> Reference:
    """The reference starting at name token `i`, with its first attribute or string subscript."""
    name = tokens[i]
    nxt = tokens[i + 1 : i + 4]
    if len(nxt) >= 2 and nxt[0].text == "." and nxt[1].kind in ("name", "number"):
        key, end = nxt[1].text, nxt[1].end
        j = i + 3
        # `outputs.first-agent` reads as `outputs.first - agent`: keep the dashed spelling to explain it.
        while j + 1 < len(tokens) and tokens[j].text == "-" and tokens[j].start == end:
            follower = tokens[j + 1]
            if follower.start != tokens[j].end or follower.kind not in ("name", "number"):
                break
            key, end, j = f"{key}-{follower.text}", follower.end, j + 2
        dashed = "-" in key
        return Reference(name.text, nxt[1].text if dashed else key, name.start, end, key if dashed else None)
    if len(nxt) == 3 and nxt[0].text == "[" and nxt[1].kind == "string" and nxt[2].text == "]":
        return Reference(name.text, nxt[1].value, name.start, nxt[2].end)
    return Reference(name.text, None, name.start, name.end)


def _chain_end(tokens: list[Token], i: int) -> int:
    """The index after the attributes and subscripts that follow a name (`x.a['b'].c`)."""
    while i < len(tokens):
        if tokens[i].text == "." and i + 1 < len(tokens) and tokens[i + 1].kind in ("name", "number"):
            i += 2
        elif tokens[i].text == "[":
            i = _closing(tokens, i) + 1
        else:
            return i
    return i


def _guarded(tokens: list[Token], i: int) -> bool:
    """`x is defined`, `x is not undefined`, `x | default(...)`: the name may be missing."""
    words = [tok.text for tok in tokens[i : i + 3]]
    if words[:1] == ["is"]:
        test = words[2:3] if words[1:2] == ["not"] else words[1:2]
        return test in (["defined"], ["undefined"])
    return words[:1] == ["|"] and words[1:2] in (["default"], ["d"])


def _bind(frames: list[Frame], targets: Sequence[Token], out: list[Reference]) -> None:
    """Bind the target names in the innermost scope. A `set` inside an `if` binds nothing there: Jinja2
    loads a name that one branch assigns from the context first (so the other branches see a value),
    which is a read the template copes without."""
    names = _names(targets)
    if frames[-1].binds:
        frames[-1].bound.update(names)
        return
    for tok in targets:
        if tok.text in names and not any(tok.text in frame.bound for frame in frames):
            out.append(Reference(tok.text, None, tok.start, tok.end, guarded=True))


def _names(tokens: Sequence[Token]) -> set[str]:
    return {tok.text for tok in tokens if tok.kind == "name"}


def _parameters(tokens: list[Token], frames: list[Frame], out: list[Reference]) -> set[str]:
    """`(a, b=default)` of a macro or call block: the parameter names; defaults are read."""
    inner = tokens[1:-1] if tokens and tokens[0].text == "(" else tokens
    params: set[str] = set()
    for part in _split_commas(inner):
        if part and part[0].kind == "name":
            params.add(part[0].text)
        if len(part) >= 2 and part[1].text == "=":
            read_expression(part[2:], frames, out)
    return params


def _parameter_names(tokens: list[Token]) -> set[str]:
    return {part[0].text for part in _split_commas(tokens) if part[0].kind == "name"}


def _depth_zero(tokens: list[Token]) -> list[bool]:
    depth, flags = 0, []
    for tok in tokens:
        if tok.kind == "op" and tok.text in ")]}":
            depth -= 1
        flags.append(depth == 0)
        if tok.kind == "op" and tok.text in "([{":
            depth += 1
    return flags


def _split_commas(tokens: list[Token]) -> list[list[Token]]:
    parts: list[list[Token]] = [[]]
    for tok, top in zip(tokens, _depth_zero(tokens), strict=True):
        if tok.text == "," and top:
            parts.append([])
        else:
            parts[-1].append(tok)
    return [part for part in parts if part]


def _closing(tokens: list[Token], opener: int) -> int:
    depth = 0
    for i in range(opener, len(tokens)):
        if tokens[i].kind == "op" and tokens[i].text in "([{":
            depth += 1
        elif tokens[i].kind == "op" and tokens[i].text in ")]}":
            depth -= 1
            if depth == 0:
                return i
    return len(tokens) - 1
