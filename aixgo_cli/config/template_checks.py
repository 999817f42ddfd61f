"""Prompt templates: balanced delimiters and references that exist, without importing Jinja2.

Jinja2 costs ~55 ms to import, a third of `validate`'s budget, so validation scans templates itself: it
checks that `{{ }}` and `{% %}` close, and that `outputs.AGENT` and `inputs.NAME` name real things. `run`
compiles every template with Jinja2's sandbox (strict undefined) before any model call, which catches
the rest.
"""

from __future__ import annotations

import re
from dataclasses import replace

from aixgo_cli.config.context import CheckContext
from aixgo_cli.schema.issues import PathPart
from aixgo_cli.schema.positions import position_in_scalar
from aixgo_cli.schema.suggest import did_you_mean, one_of

TEMPLATE_NAMES = (
    "input",
    "inputs",
    "outputs",
    "item",
    "run",
    "agent",
    "loop",
    "range",
    "true",
    "false",
    "none",
    "True",
    "False",
    "None",
    "namespace",
    "dict",
    "lipsum",
    "cycler",
    "joiner",
)
_EXPR = re.compile(r"\{\{(.*?)\}\}|\{%-?(.*?)-?%\}|\{#.*?#\}", re.DOTALL)
_REF = re.compile(r"\b(outputs|inputs)\s*(?:\.\s*([A-Za-z_][\w-]*)|\[\s*['\"]([^'\"]+)['\"]\s*\])")
_LEAD = re.compile(r"^\s*-?\s*([A-Za-z_]\w*)")
_BINDS = re.compile(r"^\s*(?:for\s+([\w\s,]+?)\s+in\b|set\s+(\w+)|macro\s+(\w+)|with\s+(\w+))")


def check_templates(ctx: CheckContext) -> None:
    for agent in ctx.all_agents:
        base: tuple[PathPart, ...] = ("agents", agent.index)
        for key in ("prompt",):
            if isinstance(agent.body.get(key), str):
                _check_one(ctx, (*base, key), agent.body[key])
        guided = agent.body.get("guided_config")
        if isinstance(guided, dict) and isinstance(guided.get("verification_prompt"), str):
            _check_one(ctx, (*base, "guided_config", "verification_prompt"), guided["verification_prompt"])


def _check_one(ctx: CheckContext, path: tuple[PathPart, ...], text: str) -> None:
    for opener, closer in (("{{", "}}"), ("{%", "%}")):
        balance = _unclosed(text, opener, closer)
        if balance is not None:
            _report(
                ctx,
                path,
                text,
                (balance, 2),
                "template-syntax",
                f"the prompt opens `{opener}` without a matching `{closer}`",
                f"close it with `{closer}`, or write a literal brace as {{{{ '{opener}' }}}}",
            )
            return
    bound: set[str] = set()
    for match in _EXPR.finditer(text):
        statement = match.group(2)
        if statement:
            binds = _BINDS.match(statement)
            if binds:
                bound.update(n.strip() for group in binds.groups() if group for n in group.split(","))
    for match in _EXPR.finditer(text):
        body = match.group(1) if match.group(1) is not None else match.group(2)
        if body is None:
            continue
        offset = match.start() + 2
        if match.group(1) is not None:
            lead = _LEAD.match(body)
            if lead and lead.group(1) not in TEMPLATE_NAMES and lead.group(1) not in bound:
                word = lead.group(1)
                _report(
                    ctx,
                    path,
                    text,
                    (offset + lead.start(1), len(word)),
                    "template-name",
                    f"the prompt uses `{word}`, which templates do not provide",
                    _name_hint(ctx, word),
                )
        for ref in _REF.finditer(body):
            kind, name = ref.group(1), ref.group(2) or ref.group(3)
            span = (offset + ref.start(), len(ref.group(0)))
            if ref.group(2) and "-" in name:
                # Jinja2 reads `outputs.first-agent` as `outputs.first - agent`.
                _report(
                    ctx,
                    path,
                    text,
                    span,
                    "template-syntax",
                    f"`{kind}.{name}` reads as a subtraction in a template, because of the '-'",
                    f"write {kind}['{name}'] instead",
                )
                continue
            _check_ref(ctx, path, text, span, kind, name)


def _name_hint(ctx: CheckContext, word: str) -> str:
    if word in ctx.declared_inputs:
        return f"did you mean {{{{ inputs.{word} }}}}?"
    if word in ctx.members:
        return f"did you mean {{{{ outputs.{word} }}}}?"
    return did_you_mean(word, ("input", "inputs", "outputs", "item")) or (
        f"available: input, inputs.NAME, outputs.AGENT, item, run; for a value passed with --var, "
        f"declare it under `inputs:` and write {{{{ inputs.{word} }}}}"
    )


def _check_ref(
    ctx: CheckContext, path: tuple[PathPart, ...], text: str, span: tuple[int, int], kind: str, name: str
) -> None:
    if kind == "outputs" and name not in ctx.members:
        _report(
            ctx,
            path,
            text,
            span,
            "template-ref",
            f"the prompt reads outputs.{name}, but no agent or flow is named '{name}'",
            did_you_mean(name, ctx.members) or f"agents: {one_of(ctx.agents)}",
        )
    elif kind == "inputs" and name not in ctx.declared_inputs:
        hint = did_you_mean(name, ctx.declared_inputs) or (
            f"declared inputs: {one_of(ctx.declared_inputs)}"
            if ctx.declared_inputs
            else f"declare it: inputs: {{{name}: {{type: string}}}} and pass --var {name}=..."
        )
        _report(
            ctx,
            path,
            text,
            span,
            "template-ref",
            f"the prompt reads inputs.{name}, but the workflow declares no input '{name}'",
            hint,
        )


def _unclosed(text: str, opener: str, closer: str) -> int | None:
    position = 0
    while True:
        start = text.find(opener, position)
        if start == -1:
            return None
        end = text.find(closer, start + 2)
        if end == -1:
            return start
        position = end + 2


def _report(
    ctx: CheckContext,
    path: tuple[PathPart, ...],
    text: str,
    span: tuple[int, int],
    code: str,
    message: str,
    hint: str | None,
) -> None:
    """Point at the exact token inside the prompt, whatever the scalar style (plain, quoted, | or >)."""
    ctx.error(path, code, message, hint)
    found = position_in_scalar(ctx.loaded.root, ctx.loaded.text, path, text, span[0], span[1])
    if found is not None:
        line, column, end_column = found
        ctx.issues[-1] = replace(ctx.issues[-1], line=line, column=column, end_column=end_column)
