"""One analysis of what a template reads, shared by validation, the unit key and the message builder.

Property tests over generated templates (seeded, so each case is reproducible) hold it to Jinja2's own
answer (`jinja2.meta.find_undeclared_variables`) and to what rendering actually looks up; the edge cases
below pin the parts of Jinja2's syntax it must follow.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from jinja2 import StrictUndefined, meta
from jinja2.sandbox import ImmutableSandboxedEnvironment

from aixgo_cli.agents.prompts import uses_input
from aixgo_cli.config.model import load_workflow
from aixgo_cli.config.template_refs import analyse_template
from aixgo_cli.config.validate import validate_bytes
from aixgo_cli.engine.units import TemplateNeeds

ENV = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False)


def jinja_reads(template: str) -> set[str]:
    return set(meta.find_undeclared_variables(ENV.parse(template)))


NAMES = ["input", "item", "outputs", "inputs", "agent", "a", "b", "loop"]
KEYS = ["draft", "review", "first", "x1"]


def expression(rng: random.Random, depth: int = 0) -> str:
    name, key = rng.choice(NAMES), rng.choice(KEYS)
    choices = [
        name,
        f"{name}.{key}",
        f"{name}['{key}']",
        f"{name}|upper",
        f"{name}|default('{key}')",
        f"{name} is defined",
        f"{name} is not none",
        "'{{ not a tag }}'",
        "42",
        f"range({rng.randint(0, 3)})",
    ]
    if depth < 2:
        inner, other = f"({expression(rng, depth + 1)})", f"({expression(rng, depth + 1)})"
        choices += [
            f"{inner} ~ {other}",
            f"({inner}) if {other} else 'no'",
            f"{name}|join({inner})",
            f"dict(k={inner})",
            f"[{inner}, {other}]",
            f"{name}[{inner}]",
            f"not {inner} and {other}",
        ]
    return rng.choice(choices)


def block(rng: random.Random, depth: int = 0, *, nested_sets: bool = True) -> str:
    expr = f"({expression(rng)})"
    target = rng.choice(["a", "b", "item", "x"])
    choices = [
        f"{{{{ {expr} }}}}",
        f"{{{{- {expr} -}}}}",
        "plain text with outputs and inputs in it ",
        f"{{# {{{{ {expr} }}}} #}}",
        f"{{% raw %}}{{{{ {expr} }}}}{{% endraw %}}",
    ]
    if depth == 0 or nested_sets:
        choices.append(f"{{% set {target} = {expr} %}}")
    if depth < 2:
        body = "".join(block(rng, depth + 1, nested_sets=nested_sets) for _ in range(rng.randint(0, 3)))
        other = "".join(block(rng, depth + 1, nested_sets=nested_sets) for _ in range(rng.randint(0, 2)))
        choices += [
            f"{{% for {target} in {expr} %}}{body}{{% endfor %}}",
            f"{{% for {target}, y in {expr} if {target} %}}{body}{{% else %}}{other}{{% endfor %}}",
            f"{{% if {expr} %}}{body}{{% else %}}{other}{{% endif %}}",
            f"{{% with {target} = {expr} %}}{body}{{% endwith %}}",
            f"{{% macro m({target}, z={expr}) %}}{body}{{% endmacro %}}",
            f"{{% filter upper %}}{body}{{% endfilter %}}",
        ]
        if depth == 0 or nested_sets:
            choices.append(f"{{% set {target} %}}{body}{{% endset %}}")
    return rng.choice(choices)


# Generated templates, reproducible: each seed is one case, so a failure names the template that broke.
@pytest.mark.parametrize("seed", range(300))
def test_the_analysis_names_exactly_what_jinja2_reads_when_blocks_assign_nothing(seed: int) -> None:
    rng = random.Random(seed)
    template = "".join(block(rng, nested_sets=False) for _ in range(rng.randint(1, 5)))
    assert analyse_template(template).names == jinja_reads(template), template


@pytest.mark.parametrize("seed", range(300))
def test_the_analysis_never_misses_a_name_jinja2_reads(seed: int) -> None:
    """With assignments inside loops and blocks, a name assigned later in a block and read earlier in a
    block nested in it counts as read (Jinja2 finds it in the block's scope, where it is still undefined
    when read, so strict rendering fails on it): the analysis may name more, never fewer."""
    rng = random.Random(seed)
    template = "".join(block(rng) for _ in range(rng.randint(1, 5)))
    assert analyse_template(template).names >= jinja_reads(template), template


class Recording(Mapping[str, str]):
    """The `outputs` a template is rendered with, remembering which agents' outputs it looked up."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self.known = dict(values)
        self.looked_up: set[str] = set()

    def __getitem__(self, key: str) -> str:
        self.looked_up.add(key)
        return self.known[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.known)

    def __len__(self) -> int:
        return len(self.known)


OUTPUT_PIECES = [
    "{{ outputs.KEY }}",
    "{{ outputs['KEY'] }}",
    '{{outputs["KEY"]|upper}}',
    "{% if outputs.KEY %}x{% endif %}",
    "{# outputs.KEY #}",
    "{% raw %}{{ outputs.KEY }}{% endraw %}",
    "outputs.draft in plain text; ",
]


@pytest.mark.parametrize("seed", range(200))
def test_the_outputs_a_unit_is_keyed_by_are_the_ones_rendering_looks_up(seed: int) -> None:
    rng = random.Random(seed)
    pieces = [rng.choice(OUTPUT_PIECES) for _ in range(rng.randint(1, 6))]
    template = "".join(p.replace("KEY", rng.choice(["draft", "review", "summary"])) for p in pieces)
    outputs = Recording({"draft": "d", "review": "r", "summary": "s"})
    ENV.from_string(template).render(outputs=outputs)
    assert analyse_template(template).outputs == frozenset(outputs.looked_up)


@pytest.mark.parametrize(
    ("template", "names"),
    [
        ("{{input}} {{   item   }}", {"input", "item"}),
        ("{{- outputs.draft -}}", {"outputs"}),
        ("{{ outputs.draft.title.upper() }}", {"outputs"}),
        ("{{ outputs['draft'] | truncate(10, end=suffix) }}", {"outputs", "suffix"}),
        ("{{ '{{ input }}' }} and {{ \"}}\" }}", set()),
        ("{# {{ secret }} #}{% raw %}{{ other }}{% endraw %}", set()),
        ("{%- raw -%}{{ x }}{%- endraw -%}{{ y }}", {"y"}),
        ("{% for line in input.splitlines() %}{{ loop.index }}: {{ line }}{% endfor %}", {"input"}),
        ("{% for a in b %}{% else %}{{ a }}{% endfor %}", {"a", "b"}),
        ("{% set n = inputs.count %}{{ n }}", {"inputs"}),
        ("{% if x %}{% set y = 1 %}{% endif %}{{ y }}", {"x", "y"}),
        ("{% macro row(cell, sep=input) %}{{ cell }}{{ sep }}{% endmacro %}{{ row(item) }}", {"input", "item"}),
        ("{{ value is divisibleby 3 }}{{ range(3)|list }}", {"value"}),
        ("{{ inputs.tone if inputs.tone is defined else 'plain' }}", {"inputs"}),
    ],
)
def test_edge_cases_of_the_syntax(template: str, names: set[str]) -> None:
    assert analyse_template(template).names == names == jinja_reads(template)


def test_references_keep_their_key_their_position_and_whether_they_are_guarded() -> None:
    text = "A {{ outputs.draft }} B {{ outputs['two words'] }} C {{ extra | default('') }} {{ inputs.first-agent }}"
    refs = analyse_template(text).references
    assert [(r.name, r.key, text[r.start : r.end]) for r in refs[:2]] == [
        ("outputs", "draft", "outputs.draft"),
        ("outputs", "two words", "outputs['two words']"),
    ]
    assert (refs[2].name, refs[2].guarded) == ("extra", True)
    assert (refs[3].dashed, text[refs[3].start : refs[3].end]) == ("first-agent", "inputs.first-agent")
    assert refs[4].name == "agent"  # what Jinja2 reads: inputs.first - agent


@pytest.mark.parametrize(
    ("template", "opener", "offset"),
    [("ok {{ input", "{{", 3), ("{% if x %}", None, 0), ("a {# note", "{#", 2), ("{{ '}}' ", "{{", 0)],
)
def test_an_unclosed_tag_is_found_where_it_opens(template: str, opener: str | None, offset: int) -> None:
    unclosed = analyse_template(template).unclosed
    assert (unclosed.opener, unclosed.offset) == (opener, offset) if unclosed else opener is None


def test_the_engine_and_the_message_builder_read_the_analysis_recorded_at_load(tmp_path: Path) -> None:
    path = tmp_path / "wf.yaml"
    path.write_text(
        "version: 1\nname: t\nagents:\n"
        "  - {name: draft, role: react, model: openai/gpt-4o-mini}\n"
        "  - name: review\n    role: react\n    model: openai/gpt-4o-mini\n    inputs: [draft]\n"
        '    prompt: "Check {{ outputs.draft }} ({# outputs.other #}) {% raw %}{{ inputs }}{% endraw %}"\n',
        encoding="utf-8",
    )
    spec = load_workflow(path).agents["review"]
    assert spec.reads.outputs == frozenset({"draft"}) and not spec.reads.inputs
    assert TemplateNeeds.of(spec) == TemplateNeeds(outputs=frozenset({"draft"}), inputs=False)
    assert not uses_input(spec.prompt or "")  # the input goes in its own user message
    assert uses_input("{% for line in item %}{{ line }}{% endfor %}")


def _codes(prompt: str) -> list[tuple[str, str]]:
    text = (
        "version: 1\nname: t\ninputs: {tone: {type: string}}\nagents:\n"
        "  - {name: draft, role: react, model: openai/gpt-4o-mini}\n"
        "  - name: review\n    role: react\n    model: openai/gpt-4o-mini\n    inputs: [draft]\n"
        f"    prompt: |\n      {prompt}\n"
    )
    report = validate_bytes(text.encode(), "wf.yaml")
    return [(issue.code, issue.message) for issue in report.errors]


@pytest.mark.parametrize(
    "prompt",
    [
        "{% if extra is defined %}{{ extra }}{% endif %}",
        "{{ extra | default('none') }} {{ outputs.draft }} {{ inputs.tone }}",
        "{% for n in range(3) %}{{ loop.index }}{{ n }}{% endfor %}",
        "{% set x = input %}{{ x }} {{ '{{ literal }}' }}",
    ],
)
def test_validation_accepts_what_renders(prompt: str) -> None:
    assert _codes(prompt) == []


@pytest.mark.parametrize(
    ("prompt", "code", "word"),
    [
        ("{{ loop.index }}", "template-name", "`loop`"),
        ("{% if topic %}x{% endif %}", "template-name", "`topic`"),
        ("{{ input | replace(old, 'x') }}", "template-name", "`old`"),
        ("{% for a in b %}{% endfor %}{{ a }}", "template-name", "`b`"),
        ("{{ outputs.drat }}", "template-ref", "outputs.drat"),
        ("{# unclosed", "template-syntax", "`{#`"),
    ],
)
def test_validation_reports_what_rendering_would_refuse(prompt: str, code: str, word: str) -> None:
    found = _codes(prompt)
    assert found and found[0][0] == code and word in found[0][1], found
