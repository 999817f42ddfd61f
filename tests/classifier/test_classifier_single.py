"""The single-label classifier through the engine: the prompt it builds, the request it sends, the result
shape, and every low-confidence outcome. A scripted in-process client answers; the journal is real."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.classifier.classifier_helpers import answer, system_text, user_text, workflow
from tests.engine.engine_helpers import Harness, priced

from aixgo_cli.engine.runner import RunParams
from aixgo_cli.testing.fake_client import ScriptedClient

TICKET = "Please refund the second charge on invoice INV-3321."


def run(harness: Harness, client: ScriptedClient, text: str, **params: Any) -> Any:
    harness.write(text)
    outcome = harness.start(client, RunParams(input=TICKET, **params))
    assert outcome.status == "completed", outcome.error
    return outcome.result


def test_zero_shot_result_has_the_reference_shape_and_counts_tokens(mem: Harness) -> None:
    reply = answer("billing", 0.92, "A refund request.", alternatives=[{"category": "general", "confidence": 0.05}])
    client = ScriptedClient([priced(reply, prompt_tokens=120, completion_tokens=30)])

    result = run(mem, client, workflow())

    assert result == {
        "category": "billing",
        "confidence": 0.92,
        "reasoning": "A refund request.",
        "alternatives": [{"category": "general", "confidence": 0.05}],
        "low_confidence": False,
        "prompt_strategy": "zero-shot",
        "tokens_used": 150,
    }
    [request] = client.requests
    assert "Worked examples" not in user_text(request)
    assert TICKET in user_text(request)


def test_the_schema_constrains_every_category_field_to_the_category_names(mem: Harness) -> None:
    client = ScriptedClient([answer("billing")])
    run(mem, client, workflow())

    schema = client.requests[0].response_schema
    assert schema is not None
    names = ["billing", "technical", "general"]
    assert schema["properties"]["category"]["enum"] == names
    assert schema["properties"]["confidence"] == {"type": "number", "minimum": 0, "maximum": 1}
    assert schema["properties"]["alternatives"]["items"]["properties"]["category"]["enum"] == names
    assert schema["required"] == ["category", "confidence", "reasoning"]
    # The schema is also described in the prompt, for providers without a native JSON-schema mode.
    assert any('"enum": ["billing", "technical", "general"]' in (m.content or "") for m in client.requests[0].messages)


def test_prompt_holds_descriptions_keywords_examples_few_shot_and_the_agent_prompt(mem: Harness) -> None:
    config = """\
    few_shot_examples:
      - {input: "My card was declined.", category: billing, reason: A payment question.}
      - {input: "The app shows error 500.", category: technical}
    """
    agent = 'prompt: "Customers of {{ inputs.product }} write these tickets."\n'
    top = "inputs:\n  product: {type: string}\n"
    client = ScriptedClient([answer("billing")])

    result = run(mem, client, workflow(config, agent_extra=agent, top_extra=top), variables={"product": "Acme"})

    assert isinstance(result, dict) and result["prompt_strategy"] == "few-shot"
    [request] = client.requests
    system, user = system_text(request), user_text(request)
    assert "exactly one" in system
    assert system.endswith("Additional context:\nCustomers of Acme write these tickets.")
    assert "- billing: Charges, invoices and refunds." in user
    assert "Keywords: invoice, refund, charge" in user
    assert 'Examples: "I was charged twice this month."; "Where is my receipt?"' in user
    assert "Keywords: error, crash, 500" in user
    assert "\n- general\n" in user
    assert 'Example 1:\nText: "My card was declined."\nCategory: billing\nReason: A payment question.' in user
    assert 'Example 2:\nText: "The app shows error 500."\nCategory: technical\n' in user
    assert user.index("Categories:") < user.index("Worked examples:") < user.index(TICKET)


def test_defaults_temperature_0_3_and_max_tokens_500(mem: Harness) -> None:
    client = ScriptedClient([answer("billing")])
    run(mem, client, workflow())
    request = client.requests[0]
    assert (request.temperature, request.max_tokens) == (0.3, 500)


def test_classifier_config_sampling_takes_precedence_over_parameters(mem: Harness) -> None:
    config = "temperature: 0.1\nmax_tokens: 200\n"
    agent = "parameters: {temperature: 0.9, max_tokens: 900, top_p: 0.5}\n"
    client = ScriptedClient([answer("billing")])
    run(mem, client, workflow(config, agent_extra=agent))
    request = client.requests[0]
    assert (request.temperature, request.max_tokens) == (0.1, 200)
    assert request.params == {"top_p": 0.5}


def test_parameters_apply_when_classifier_config_sets_nothing(mem: Harness) -> None:
    client = ScriptedClient([answer("billing")])
    run(mem, client, workflow(agent_extra="parameters: {temperature: 0.9, max_tokens: 900}\n"))
    request = client.requests[0]
    assert (request.temperature, request.max_tokens) == (0.9, 900)


def test_a_model_service_parameter_is_not_overridden_by_the_role_default(mem: Harness) -> None:
    top = """\
    model_services:
      - name: svc
        provider: openai
        model: gpt-4o-mini
        parameters: {temperature: 0.8}
    """
    client = ScriptedClient([answer("billing")])
    run(mem, client, workflow(top_extra=top, model="svc"))
    request = client.requests[0]
    # The service's temperature is applied by the provider layer; the request leaves it unset.
    assert (request.temperature, request.max_tokens) == (None, 500)


def test_a_json_item_is_rendered_compactly(mem: Harness) -> None:
    mem.write(workflow())
    item = {"id": "T-1", "subject": "Refund", "body": "Charged twice, café"}
    client = ScriptedClient([answer("billing")])
    outcome = mem.start(client, RunParams(input=item))
    assert outcome.status == "completed", outcome.error
    assert '"""\n{"id":"T-1","subject":"Refund","body":"Charged twice, café"}\n"""' in user_text(client.requests[0])


def test_alternatives_are_deduplicated_sorted_and_exclude_the_answer(mem: Harness) -> None:
    alternatives = [
        {"category": "general", "confidence": 0.1},
        {"category": "billing", "confidence": 0.5},
        {"category": "technical", "confidence": 0.2},
        {"category": "general", "confidence": 0.3},
    ]
    client = ScriptedClient([answer("billing", 0.8, alternatives=alternatives)])
    result = run(mem, client, workflow())
    assert isinstance(result, dict)
    assert result["alternatives"] == [
        {"category": "general", "confidence": 0.3},
        {"category": "technical", "confidence": 0.2},
    ]


LOW_CONFIDENCE_CASES = {
    "no-block-flags": ("", {"category": "technical", "low_confidence": True}),
    "flag": ("low_confidence: {action: flag}\n", {"category": "technical", "low_confidence": True}),
    "fallback": (
        "low_confidence: {action: fallback, fallback_category: general}\n",
        {"category": "general", "low_confidence": True, "original_category": "technical"},
    ),
    "fallback-category-alone-means-fallback": (
        "low_confidence: {fallback_category: general}\n",
        {"category": "general", "low_confidence": True, "original_category": "technical"},
    ),
}


@pytest.mark.parametrize("config, expected", LOW_CONFIDENCE_CASES.values(), ids=LOW_CONFIDENCE_CASES.keys())
def test_low_confidence_outcomes(mem: Harness, config: str, expected: dict[str, object]) -> None:
    client = ScriptedClient([answer("technical", 0.4, "Unclear.")])
    result = run(mem, client, workflow(config))
    assert isinstance(result, dict)
    assert {k: result.get(k) for k in expected} == expected
    assert result["confidence"] == 0.4  # the model's confidence in its own answer, fallback or not
    assert ("original_category" in result) == ("original_category" in expected)


@pytest.mark.parametrize(
    "threshold, confidence, low",
    [(None, 0.7, False), (None, 0.69, True), (0.9, 0.85, True), (0.9, 0.9, False), (0.0, 0.0, False)],
)
def test_the_threshold_defaults_to_0_7_and_equal_is_confident(
    mem: Harness, threshold: float | None, confidence: float, low: bool
) -> None:
    config = "low_confidence: {action: fallback, fallback_category: general}\n"
    if threshold is not None:
        config += f"confidence_threshold: {threshold}\n"
    client = ScriptedClient([answer("billing", confidence)])
    result = run(mem, client, workflow(config))
    assert isinstance(result, dict)
    assert result["low_confidence"] is low
    assert result["category"] == ("general" if low else "billing")


def test_an_integer_confidence_is_accepted_as_a_number(mem: Harness) -> None:
    client = ScriptedClient([json.dumps({"category": "billing", "confidence": 1, "reasoning": "sure"})])
    result = run(mem, client, workflow())
    assert isinstance(result, dict) and result["confidence"] == 1.0 and result["low_confidence"] is False
