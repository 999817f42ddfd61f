"""The classifier's messages and the JSON Schema its reply must match.

The prompt follows Go aixgo's classifier: fixed instructions in the system message (with the agent's own
`prompt` appended as additional context), and a user message holding the categories with their
descriptions, keywords and examples, the worked few-shot examples, the text to classify and a short
step-by-step instruction. Unlike Go aixgo it shows every category example and every few-shot example
(the schema caps few-shot examples at 20): the user chose them, and silently dropping some would make the
prompt differ from the file.

The schema constrains every category field to the category names with `enum`, so an invented category is
a schema violation that structured output feeds back and retries, exactly like malformed JSON. Extra
keys are allowed: the result is rebuilt from the known fields, so a model that adds a note is not made to
answer again.
"""

from __future__ import annotations

import json
from typing import Any

from aixgo_cli.agents.base import Invocation
from aixgo_cli.agents.classifier.config import ClassifierConfig
from aixgo_cli.providers.types import ChatMessage

_SYSTEM = (
    "You are an expert classifier. You assign a text to {how} of a fixed set of categories, judging by its "
    "meaning and context rather than by single words.\n"
    "- Use only the category names you are given, spelt exactly as given.\n"
    "- Give each confidence as a number from 0 to 1 that reflects how certain you are; do not inflate it.\n"
    "- Explain your reasoning in one or two sentences.\n"
    "- {extra}"
)
_SINGLE_EXTRA = "When another category is also plausible, list it under alternatives with its confidence."
_MULTI_EXTRA = "List every category that applies, each with its own confidence; leave out those that do not."
_STEPS = (
    "Think step by step:\n"
    "1. Identify the key features and context of the text.\n"
    "2. Match them against the category descriptions, keywords and examples.\n"
    "3. Weigh how certain you are.\n"
    "4. Give your reasoning, then answer."
)


def messages(invocation: Invocation, config: ClassifierConfig) -> list[ChatMessage]:
    return [
        ChatMessage(role="system", content=system_prompt(invocation, config)),
        ChatMessage(role="user", content=user_prompt(config, input_text(invocation.payload))),
    ]


def system_prompt(invocation: Invocation, config: ClassifierConfig) -> str:
    how, extra = ("one or more", _MULTI_EXTRA) if config.multi_label else ("exactly one", _SINGLE_EXTRA)
    text = _SYSTEM.format(how=how, extra=extra)
    template = invocation.spec.prompt
    if template and template.strip():
        context = invocation.render(template, invocation.template_context()).strip()
        if context:
            text += "\n\nAdditional context:\n" + context
    return text


def user_prompt(config: ClassifierConfig, text: str) -> str:
    how = "one or more" if config.multi_label else "exactly one"
    parts = [f"Classify the text below into {how} of these categories.", "Categories:\n" + _categories(config)]
    if config.few_shot:
        parts.append("Worked examples:\n\n" + _few_shot(config))
    parts.append(f'Text to classify:\n"""\n{text}\n"""')
    parts.append(_STEPS)
    return "\n\n".join(parts)


def input_text(payload: Any) -> str:
    """Text as it is; a structured item (a JSON value) compactly, so its fields reach the model intact."""
    if payload is None:
        return ""
    if isinstance(payload, str):
        return payload
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _categories(config: ClassifierConfig) -> str:
    lines = []
    for category in config.categories:
        lines.append(f"- {category.name}" + (f": {category.description}" if category.description else ""))
        if category.keywords:
            lines.append("  Keywords: " + ", ".join(category.keywords))
        if category.examples:
            lines.append("  Examples: " + "; ".join(_quoted(e) for e in category.examples))
    return "\n".join(lines)


def _few_shot(config: ClassifierConfig) -> str:
    blocks = []
    for number, example in enumerate(config.few_shot, start=1):
        block = f"Example {number}:\nText: {_quoted(example.input)}\nCategory: {example.category}"
        if example.reason:
            block += f"\nReason: {example.reason}"
        blocks.append(block)
    return "\n\n".join(blocks)


def _scored(names: list[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "category": {"type": "string", "enum": names},
            "confidence": {"type": "number", "minimum": 0, "maximum": 1},
        },
        "required": ["category", "confidence"],
    }


def response_schema(config: ClassifierConfig) -> dict[str, Any]:
    names = config.names
    if config.multi_label:
        return {
            "type": "object",
            "properties": {
                "categories": {"type": "array", "items": _scored(names), "minItems": 1},
                "reasoning": {"type": "string"},
            },
            "required": ["categories", "reasoning"],
        }
    return {
        "type": "object",
        "properties": {
            "category": {"type": "string", "enum": names},
            "confidence": {"type": "number", "minimum": 0, "maximum": 1},
            "reasoning": {"type": "string"},
            "alternatives": {"type": "array", "items": _scored(names)},
        },
        "required": ["category", "confidence", "reasoning"],
    }
