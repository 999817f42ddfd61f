"""Prompt templates: balanced delimiters and references that exist, without importing Jinja2.

Jinja2 costs ~55 ms to import, a third of `validate`'s budget, so validation scans templates itself: it
checks that `{{ }}`, `{% %}` and `{# #}` close, that every name a prompt reads is one templates
provide, and that `outputs.AGENT` and `inputs.NAME` name real things. What a prompt reads comes from
`template_refs`, the analysis the engine also uses. `run` compiles every template with Jinja2's sandbox
(strict undefined) before any model call, which catches the rest.
"""

from __future__ import annotations

from dataclasses import replace

from aixgo_cli.config.context import CheckContext
from aixgo_cli.config.template_refs import analyse_template
from aixgo_cli.schema.issues import PathPart
from aixgo_cli.schema.positions import position_in_scalar
from aixgo_cli.schema.suggest import did_you_mean, one_of

# What `Invocation.template_context` provides; Jinja2's globals, literals and the names a template
# binds itself (`for`, `set`, `macro`...) are not reads from the context (see `template_refs`).
TEMPLATE_NAMES = ("input", "inputs", "outputs", "item", "agent")


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
    reads = analyse_template(text)  # the same analysis the engine keys units by
    if reads.unclosed is not None:
        opener, closer = reads.unclosed.opener, reads.unclosed.closer
        _report(
            ctx,
            path,
            text,
            (reads.unclosed.offset, 2),
            "template-syntax",
            f"the prompt opens `{opener}` without a matching `{closer}`",
            f"close it with `{closer}`, or write a literal brace as {{{{ '{opener}' }}}}",
        )
        return
    # A name tested with `is defined` (or given a default) anywhere is one the prompt expects may be missing.
    guarded = {ref.name for ref in reads.references if ref.guarded}
    for ref in reads.references:
        span = (ref.start, ref.end - ref.start)
        if ref.name not in TEMPLATE_NAMES:
            if ref.name not in guarded:
                _report(
                    ctx,
                    path,
                    text,
                    (ref.start, len(ref.name)),
                    "template-name",
                    f"the prompt uses `{ref.name}`, which templates do not provide",
                    _name_hint(ctx, ref.name),
                )
        elif ref.dashed is not None and ref.name in ("outputs", "inputs"):
            # Jinja2 reads `outputs.first-agent` as `outputs.first - agent`.
            _report(
                ctx,
                path,
                text,
                span,
                "template-syntax",
                f"`{ref.name}.{ref.dashed}` reads as a subtraction in a template, because of the '-'",
                f"write {ref.name}['{ref.dashed}'] instead",
            )
        elif ref.key is not None and ref.name in ("outputs", "inputs") and not ref.guarded:
            _check_ref(ctx, path, text, span, ref.name, ref.key)


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
        message = f"the prompt reads outputs.{name}, but no agent or flow is named '{name}'"
        hint = did_you_mean(name, ctx.members) or f"agents: {one_of(ctx.agents)}"
    elif kind == "inputs" and name not in ctx.declared_inputs:
        message = f"the prompt reads inputs.{name}, but the workflow declares no input '{name}'"
        hint = did_you_mean(name, ctx.declared_inputs) or (
            f"declared inputs: {one_of(ctx.declared_inputs)}"
            if ctx.declared_inputs
            else f"declare it: inputs: {{{name}: {{type: string}}}} and pass --var {name}=..."
        )
    else:
        return
    _report(ctx, path, text, span, "template-ref", message, hint)


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
