"""Workflow inputs (`--var`) and prompt templates: declared inputs are typed, defaulted and required;
mistakes are UserErrors (exit 2) with a hint; prompts render `{{ inputs.NAME }}` and
`{{ outputs.AGENT }}`, and a name that is undefined at render time fails the step as a RunError."""

from __future__ import annotations

from typing import Any

import pytest
from tests.engine.engine_helpers import Harness, by_model, user_text
from tests.support.hints import hint_of

from aixgo_cli.engine.inputs import coerce_variables, resolve_variables
from aixgo_cli.engine.runner import RunParams
from aixgo_cli.errors import ExitCode, RunError, UserError
from aixgo_cli.testing.fake_client import ScriptedClient

DECLARED = """\
version: 1
name: declared
inputs:
  tone: {type: string, enum: [plain, formal], default: plain}
  words: {type: integer, default: 50}
  ratio: {type: number}
  strict: {type: boolean, default: false}
  audience: {type: string, required: true}
agents:
  - name: writer
    role: react
    model: fake/writer
    prompt: "Write {{ inputs.words }} {{ inputs.tone }} words for {{ inputs.audience }} (strict={{ inputs.strict }})."
"""


@pytest.fixture
def declared(mem: Harness) -> Harness:
    mem.write(DECLARED)
    return mem


def test_vars_are_coerced_to_their_declared_types_and_defaults_fill_in(declared: Harness) -> None:
    workflow = declared.load()

    values = resolve_variables(workflow, ["audience=ops", "words=120", "ratio=0.5", "strict=YES", "tone=formal"])

    assert values == {"tone": "formal", "words": 120, "ratio": 0.5, "strict": True, "audience": "ops"}
    defaults = resolve_variables(workflow, ["audience=ops"])
    assert defaults == {"tone": "plain", "words": 50, "strict": False, "audience": "ops"}
    assert resolve_variables(workflow, ["audience=a=b"])["audience"] == "a=b"  # only the first '=' splits


@pytest.mark.parametrize(
    ("assignments", "message", "hint"),
    [
        (["tone=formal"], "needs input 'audience'", "--var audience=VALUE"),
        (["audience=x", "tones=formal"], "declares no input 'tones'", "tone"),
        (["audience=x", "words=many"], "integer", "--var words="),
        (["audience=x", "ratio=half"], "expected a number", "--var ratio="),
        (["audience=x", "strict=maybe"], "expected a boolean", "--var strict="),
        (["audience=x", "tone=shouty"], "not one of plain, formal", "--var tone=plain"),
        (["audience"], "expects NAME=VALUE", "--var"),
        (["=x"], "expects NAME=VALUE", "--var"),
    ],
)
def test_bad_vars_are_user_errors_with_hints(
    declared: Harness, assignments: list[str], message: str, hint: str
) -> None:
    with pytest.raises(UserError) as caught:
        resolve_variables(declared.load(), assignments)

    assert message in caught.value.message
    assert caught.value.exit_code == ExitCode.INVALID
    assert hint in hint_of(caught.value)


def test_a_workflow_without_inputs_says_how_to_declare_one(mem: Harness) -> None:
    mem.write("version: 1\nname: bare\nagents:\n  - {name: a, role: react, model: fake/a}\n")

    with pytest.raises(UserError) as caught:
        coerce_variables(mem.load(), {"tone": "x"})

    assert "inputs:" in hint_of(caught.value)


def test_prompts_render_the_inputs(declared: Harness) -> None:
    variables = resolve_variables(declared.load(), ["audience=operators", "strict=1"])
    client = ScriptedClient()

    outcome = declared.start(client, RunParams(input="the outage", variables=variables))

    assert outcome.status == "completed", outcome.error
    system, user = client.requests[0].messages
    assert system.content == "Write 50 plain words for operators (strict=True)."
    assert user.content == "the outage"
    run = declared.journal.get_run(outcome.run_id)
    assert run is not None and RunParams.from_json(run.params_json).variables == variables


def test_outputs_of_upstream_agents_render_in_graph_mode(mem: Harness) -> None:
    mem.write("""\
        version: 1
        name: outputs
        agents:
          - name: facts
            role: react
            model: fake/facts
            prompt: List the facts.
            outputs: [draft]
          - name: draft
            role: react
            model: fake/draft
            prompt: "Draft from the facts."
            outputs: [review]
          - name: review
            role: react
            model: fake/review
            prompt: "Facts: {{ outputs.facts }} / draft: {{ outputs.draft }}. Review: {{ input }}"
        """)
    client = by_model({"fake/facts": "F", "fake/draft": "D", "fake/review": lambda r: "R:" + user_text(r)})

    outcome = mem.start(client, RunParams(input="go"))

    assert outcome.status == "completed", outcome.error
    assert outcome.result == "R:Facts: F / draft: D. Review: D"


def test_outputs_of_earlier_members_render_in_a_sequential_flow(mem: Harness) -> None:
    mem.write("""\
        version: 1
        name: seq-outputs
        agents:
          - {name: first, role: react, model: fake/first, prompt: One.}
          - {name: second, role: react, model: fake/second, prompt: Two.}
          - name: third
            role: react
            model: fake/third
            prompt: "first said {{ outputs.first }}; second said {{ input }}"
        orchestration:
          pattern: sequential
          agents: [first, second, third]
        """)
    client = by_model({"fake/first": "1", "fake/second": "2", "fake/third": user_text})

    outcome = mem.start(client, RunParams(input="go"))

    assert outcome.status == "completed", outcome.error
    assert outcome.result == "first said 1; second said 2"


@pytest.mark.parametrize(
    ("prompt", "run_input", "variables", "undefined"),
    [
        ("Title: {{ item.title }}", [{"body": "no title here"}], {}, "title"),
        ("Tone: {{ inputs.tone }}", ["x"], {}, "tone"),
    ],
    ids=["missing-item-field", "optional-input-not-given"],
)
def test_an_undefined_name_at_render_time_fails_the_step_as_a_run_error(
    engine: Harness, prompt: str, run_input: Any, variables: dict[str, Any], undefined: str
) -> None:
    engine.write(f"""\
        version: 1
        name: strict
        inputs:
          tone: {{type: string}}
        agents:
          - name: reader
            role: producer
            producer_config: {{source: input}}
            outputs: [writer]
          - name: writer
            role: react
            model: fake/writer
            prompt: "{prompt}"
        """)
    client = ScriptedClient()

    outcome = engine.start(client, RunParams(input=run_input, variables=variables))

    assert outcome.status == "failed"
    assert isinstance(outcome.error, RunError)
    assert "could not be rendered" in outcome.error.message and undefined in outcome.error.message
    assert f"aixgo resume {outcome.run_id}" in hint_of(outcome.error)
    assert client.requests == []
    assert engine.units(outcome.run_id)["reader[0]/writer"].status == "failed"
