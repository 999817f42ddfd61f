"""Prompt templates: Jinja2 in a sandbox with strict undefined, compiled once per run.

Imported only by `run`/`resume` (Jinja2 costs ~55 ms to import). Every template is compiled before the
first model call, so a syntax error stops the run before it spends anything.

Most prompts are text with a few `{{ name }}` in it. Those are not handed to Jinja: compiling a template
(lexer, parser, code generator, Python's `compile`) costs ~1 ms, a third of the engine's own CPU in a
200-agent chain. They are split once and filled by lookup, with Jinja's output for that form: `str()` of
the value, a name missing from the context (and from Jinja's globals) an error worded as Jinja words it.
Anything else (filters, attributes, blocks, comments, whitespace control, a carriage return, which Jinja
rewrites) goes to Jinja.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any

from aixgo_cli.errors import RunError, UserError, resume_step

# `{{ name }}`: the only form rendered without Jinja.
_SUBSTITUTION = re.compile(r"\{\{ *([A-Za-z_][A-Za-z0-9_]*) *\}\}")
# Names Jinja reads as constants or operators, never as variables.
# fmt: off
_JINJA_WORDS = frozenset((
    "true", "false", "none", "True", "False", "None", "and", "or", "not", "in", "is", "if", "else", "elif",
    "endif", "for", "endfor", "block", "endblock", "extends", "import", "from", "as", "with", "without",
    "recursive", "set", "endset", "macro", "endmacro", "call", "endcall", "filter", "endfilter", "include",
    "raw", "endraw",
))
# fmt: on


class Substitution:
    """A prompt of text and `{{ name }}` only, rendered by lookup (same output as Jinja's)."""

    def __init__(self, parts: list[str], globals_: Mapping[str, Any]) -> None:
        self._parts = parts  # text, name, text, name, ..., text
        self._globals = globals_

    @classmethod
    def of(cls, template: str, globals_: Mapping[str, Any]) -> Substitution | None:
        if "\r" in template:
            return None
        parts = _SUBSTITUTION.split(template)
        if any(name in _JINJA_WORDS for name in parts[1::2]):
            return None
        if any("{{" in text or "{%" in text or "{#" in text for text in parts[0::2]):
            return None
        if any(text.endswith("{") for text in parts[0:-1:2]):  # `{{{ x }}`: Jinja's tag starts one brace earlier
            return None
        return cls(parts, globals_)

    def render(self, **context: Any) -> str:
        out = [self._parts[0]]
        for index in range(1, len(self._parts), 2):
            name = self._parts[index]
            if name in context:
                value = context[name]
            elif name in self._globals:
                value = self._globals[name]
            else:
                raise _unrenderable(f"'{name}' is undefined")
            out.append(value if isinstance(value, str) else str(value))
            out.append(self._parts[index + 1])
        return "".join(out)


def _unrenderable(why: str) -> RunError:
    return RunError(
        f"the prompt could not be rendered: {why}",
        hint="check the names used in the prompt; then:",
        next_step=resume_step(),
    )


class TemplateRenderer:
    def __init__(self) -> None:
        from jinja2 import StrictUndefined
        from jinja2.sandbox import ImmutableSandboxedEnvironment

        self._env = ImmutableSandboxedEnvironment(
            undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True
        )
        self._compiled: dict[str, Any] = {}
        self._lock = threading.Lock()

    def compile_all(self, templates: Iterable[tuple[str, str]]) -> None:
        """(owner, template) pairs; a syntax error names the owner and the template line."""
        from jinja2 import TemplateSyntaxError

        for owner, template in templates:
            try:
                self._compile(template)
            except TemplateSyntaxError as exc:
                raise UserError(
                    f"{owner}: template error on line {exc.lineno} of the prompt: {exc.message}",
                    hint="fix the prompt, then run again (aixgo validate checks references)",
                ) from None

    def _compile(self, template: str) -> Any:
        with self._lock:
            compiled = self._compiled.get(template)
            if compiled is None:
                compiled = Substitution.of(template, self._env.globals) or self._env.from_string(template)
                self._compiled[template] = compiled
            return compiled

    def render(self, template: str, context: Mapping[str, Any]) -> str:
        from jinja2 import TemplateError

        try:
            return str(self._compile(template).render(**context))
        except TemplateError as exc:
            raise _unrenderable(str(exc)) from None
