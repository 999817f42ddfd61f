"""The multi-label classifier: its schema, its prompt, and the threshold applied to each label."""

from __future__ import annotations

from typing import Any

import pytest
from tests.classifier.classifier_helpers import labels, system_text, user_text, workflow
from tests.engine.engine_helpers import Harness, priced

from aixgo_cli.engine.runner import RunParams
from aixgo_cli.testing.fake_client import ScriptedClient

TICKET = "I was charged twice and now the invoice page shows error 500."
MULTI = "multi_label: true\n"
FALLBACK = "low_confidence: {action: fallback, fallback_category: general}\n"


def classify(harness: Harness, config: str, reply: str) -> tuple[dict[str, Any], ScriptedClient]:
    harness.write(workflow(config))
    client = ScriptedClient([priced(reply, prompt_tokens=100, completion_tokens=20)])
    outcome = harness.start(client, RunParams(input=TICKET))
    assert outcome.status == "completed", outcome.error
    assert isinstance(outcome.result, dict)
    return outcome.result, client


def test_schema_and_prompt_ask_for_one_or_more_labels(mem: Harness) -> None:
    result, client = classify(mem, MULTI, labels(("billing", 0.9)))

    [request] = client.requests
    schema = request.response_schema
    assert schema is not None
    assert schema["required"] == ["categories", "reasoning"]
    items = schema["properties"]["categories"]
    assert items["minItems"] == 1
    assert items["items"]["properties"]["category"]["enum"] == ["billing", "technical", "general"]
    assert items["items"]["required"] == ["category", "confidence"]
    assert "category" not in schema["properties"]
    assert "one or more" in system_text(request) and "one or more" in user_text(request)
    assert result["prompt_strategy"] == "zero-shot" and result["tokens_used"] == 120


def test_labels_at_or_above_the_threshold_are_the_answer_and_the_rest_alternatives(mem: Harness) -> None:
    reply = labels(("general", 0.2), ("technical", 0.7), ("billing", 0.95), reasoning="Both a charge and a bug.")

    result, _ = classify(mem, MULTI + FALLBACK, reply)

    assert result == {
        "categories": [{"category": "billing", "confidence": 0.95}, {"category": "technical", "confidence": 0.7}],
        "reasoning": "Both a charge and a bug.",
        "alternatives": [{"category": "general", "confidence": 0.2}],
        "low_confidence": False,
        "prompt_strategy": "zero-shot",
        "tokens_used": 120,
    }


def test_a_label_named_twice_counts_once_with_its_highest_confidence(mem: Harness) -> None:
    reply = labels(("technical", 0.75), ("billing", 0.8), ("technical", 0.8))
    result, _ = classify(mem, MULTI, reply)
    # Equal confidences keep the order the categories are declared in.
    assert result["categories"] == [
        {"category": "billing", "confidence": 0.8},
        {"category": "technical", "confidence": 0.8},
    ]


@pytest.mark.parametrize("config", ["", "low_confidence: {action: flag}\n"], ids=["no-block", "flag"])
def test_when_no_label_reaches_the_threshold_flag_keeps_them_all(mem: Harness, config: str) -> None:
    result, _ = classify(mem, MULTI + config, labels(("technical", 0.4), ("billing", 0.6)))

    assert result["low_confidence"] is True
    assert result["categories"] == [
        {"category": "billing", "confidence": 0.6},
        {"category": "technical", "confidence": 0.4},
    ]
    assert result["alternatives"] == []
    assert "original_categories" not in result


def test_when_no_label_reaches_the_threshold_fallback_replaces_them(mem: Harness) -> None:
    result, _ = classify(mem, MULTI + FALLBACK, labels(("technical", 0.4), ("billing", 0.6)))

    assert result["low_confidence"] is True
    assert result["categories"] == [{"category": "general", "confidence": 0.6}]
    assert result["original_categories"] == [
        {"category": "billing", "confidence": 0.6},
        {"category": "technical", "confidence": 0.4},
    ]
    assert result["alternatives"] == []


def test_a_custom_threshold_applies_per_label(mem: Harness) -> None:
    reply = labels(("technical", 0.5), ("billing", 0.3))
    result, _ = classify(mem, MULTI + "confidence_threshold: 0.5\n", reply)
    assert result["categories"] == [{"category": "technical", "confidence": 0.5}]
    assert result["alternatives"] == [{"category": "billing", "confidence": 0.3}]
    assert result["low_confidence"] is False


def test_multi_label_few_shot(mem: Harness) -> None:
    config = MULTI + "few_shot_examples:\n  - {input: Refund and a crash, category: billing, reason: Money first.}\n"
    result, client = classify(mem, config, labels(("billing", 0.9)))
    assert result["prompt_strategy"] == "few-shot"
    assert 'Text: "Refund and a crash"\nCategory: billing\nReason: Money first.' in user_text(client.requests[0])
