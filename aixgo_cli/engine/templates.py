"""Prompt templates: Jinja2 in a sandbox with strict undefined, compiled once per run.

Imported only by `run`/`resume` (Jinja2 costs ~55 ms to import). Every template is compiled before the
first model call, so a syntax error stops the run before it spends anything.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import Any

from aixgo_cli.errors import RunError, UserError, resume_step


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
                compiled = self._env.from_string(template)
                self._compiled[template] = compiled
            return compiled

    def render(self, template: str, context: Mapping[str, Any]) -> str:
        from jinja2 import TemplateError

        try:
            return str(self._compile(template).render(**context))
        except TemplateError as exc:
            raise RunError(
                f"the prompt could not be rendered: {exc}",
                hint="check the names used in the prompt; then:",
                next_step=resume_step(),
            ) from None
