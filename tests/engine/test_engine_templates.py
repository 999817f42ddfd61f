"""Prompt templates: `{{ name }}` prompts are filled without Jinja and must give exactly Jinja's output,
errors included; everything else still goes to Jinja."""

from __future__ import annotations

import random
from typing import Any

import pytest

from aixgo_cli.engine.templates import Substitution, TemplateRenderer
from aixgo_cli.errors import RunError, UserError

CONTEXT: dict[str, Any] = {
    "input": "the ticket text\nwith a second line",
    "item": {"id": 7, "tags": ["a", "b"], "nested": {"x": None}},
    "inputs": {"lang": "de"},
    "outputs": {"draft": "text"},
    "agent": {"name": "writer", "role": "react"},
    "count": 3,
    "ratio": 0.1,
    "flag": False,
    "nothing": None,
    "listing": [1, "two", 3.5],
}

TEMPLATES = [
    "Summarise: {{ input }}",
    "{{input}}",
    "{{ input }}{{ item }}",
    "{{  count  }} / {{ ratio }} / {{ flag }} / {{ nothing }} / {{ listing }}",
    'JSON braces stay text: {"a": 1} and } and { and }}',
    "Trailing newline kept\n{{ input }}\n",
    "{{ range }} is a Jinja global",
    "",
    "no substitution at all",
    "{{ true }} {{ none }}",  # constants, read by Jinja
    "{{ item.id }} {{ inputs['lang'] }}",  # attributes and subscripts: Jinja
    "{{ input | upper }}",
    "{% if flag %}yes{% else %}no{% endif %}: {{ input }}",
    "{# a comment #}{{ input }}",
    "{{- input -}}  x",
    "line\r\nbreaks {{ input }}",
    "{{\tinput\t}}",
]


def jinja(template: str, context: dict[str, Any]) -> str:
    """What Jinja itself renders (the renderer's environment, no fast path)."""
    renderer = TemplateRenderer()
    return str(renderer._env.from_string(template).render(**context))


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_template_renders_as_jinja_renders_it(template: str) -> None:
    assert TemplateRenderer().render(template, CONTEXT) == jinja(template, CONTEXT)


def test_plain_substitutions_skip_jinja_and_the_rest_do_not() -> None:
    renderer = TemplateRenderer()
    plain = [t for t in TEMPLATES if Substitution.of(t, renderer._env.globals) is not None]
    assert "Summarise: {{ input }}" in plain and "{{input}}" in plain and "" in plain
    jinja_only = ["{{ true }} {{ none }}", "{{ input | upper }}", "{{- input -}}  x", "line\r\nbreaks {{ input }}"]
    assert not set(jinja_only) & set(plain)


@pytest.mark.parametrize("template", ["Hello {{ missing }}", "{{ input }} then {{ missing }}"])
def test_a_missing_name_fails_with_jinjas_words(template: str) -> None:
    from jinja2 import UndefinedError

    with pytest.raises(UndefinedError) as from_jinja:
        jinja(template, CONTEXT)
    with pytest.raises(RunError) as ours:
        TemplateRenderer().render(template, CONTEXT)
    assert ours.value.message == f"the prompt could not be rendered: {from_jinja.value}"


def test_random_text_with_braces_matches_jinja() -> None:
    """Random mixes of text, braces and substitutions: same output, or both fail."""
    pieces = ["a", " ", "\n", "{", "}", "{{ input }}", "{{ count }}", "{{x}}", "{{ item }}", "%", "#", "{{"]
    rng = random.Random(7)
    renderer = TemplateRenderer()
    context = {**CONTEXT, "x": "X"}
    for _ in range(2000):
        template = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        try:
            expected: str | None = jinja(template, context)
        except Exception:
            expected = None
        try:
            renderer.compile_all([("agent", template)])
            got: str | None = renderer.render(template, context)
        except (RunError, UserError):
            got = None
        assert got == expected, template
