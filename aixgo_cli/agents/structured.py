"""Structured output: ask for JSON that matches a JSON Schema, validate it, and on failure feed the
validation errors back and ask again, up to a configured number of retries.

Every attempt is an ordinary journaled model call, so a resumed run replays the attempts that finished.
The schema is always described in the prompt, and additionally passed as `response_schema`, which the
provider layer turns into the provider's native JSON-schema mode where the model supports it (mode
`auto` or `native`); mode `prompt` relies on the instructions and extraction alone. Describing it in the
prompt in every mode keeps one behaviour across providers, and keeps cassette keys the same whichever
provider recorded them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from aixgo_cli.agents.base import Invocation
from aixgo_cli.agents.prompts import chat_request
from aixgo_cli.errors import RunError, resume_step
from aixgo_cli.providers.types import ChatMessage, ChatResponse
from aixgo_cli.schema.json_validation import instance_errors

DEFAULT_MAX_RETRIES = 2
_FENCE = re.compile(r"```(?:json|JSON)?\s*\n?(.*?)```", re.DOTALL)


@dataclass(frozen=True)
class StructuredReply:
    data: Any
    response: ChatResponse
    attempts: int


def schema_instructions(schema: Mapping[str, Any]) -> str:
    return (
        "Reply with a single JSON value that matches this JSON Schema, and nothing else "
        "(no prose, no code fences):\n" + json.dumps(schema, ensure_ascii=False, sort_keys=True)
    )


def extract_json(text: str | None) -> tuple[Any, str | None]:
    """The JSON value in a reply (bare, fenced, or embedded in prose), or an explanation of why not."""
    if not text or not text.strip():
        return None, "the reply was empty"
    candidates = [text.strip()]
    candidates += [m.group(1).strip() for m in _FENCE.finditer(text)]
    for opener, closer in (("{", "}"), ("[", "]")):
        start, end = text.find(opener), text.rfind(closer)
        if start != -1 and end > start:
            candidates.append(text[start : end + 1])
    error = "the reply is not JSON"
    for candidate in candidates:
        try:
            return json.loads(candidate), None
        except json.JSONDecodeError as exc:
            error = f"the reply is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
    return None, error


def reply_problems(
    response: ChatResponse, schema: Mapping[str, Any], max_tokens: int | None, text: str | None = None
) -> tuple[Any, list[str]]:
    """The JSON value in a reply and what is wrong with it (nothing: an empty list). `text` is the part of
    the reply that holds the answer, when that is not all of it (the text protocol's Final Answer)."""
    data, parse_error = extract_json(response.content if text is None else text)
    if parse_error is None:
        return data, instance_errors(dict(schema), data)
    if response.finish_reason == "length":
        # Half a JSON value is "not valid JSON"; what the model needs to hear is why, and what to do.
        limit = max_tokens or "of the provider"
        return None, [
            f"the reply was cut off by the token limit (max_tokens {limit}) before the JSON was complete: "
            "reply with a shorter JSON value"
        ]
    return None, [parse_error]


def complete_structured(
    invocation: Invocation,
    messages: Sequence[ChatMessage],
    schema: Mapping[str, Any],
    *,
    max_retries: int | None = None,
    mode: str | None = None,
    what: str = "reply",
) -> StructuredReply:
    """Ask until the reply validates against `schema`; RunError (exit 1, resumable) when it never does."""
    settings: Mapping[str, Any] = invocation.spec.structured_output or {}
    retries = max_retries if max_retries is not None else int(settings.get("max_retries", DEFAULT_MAX_RETRIES))
    mode = mode or str(settings.get("mode", "auto"))
    # A resumed unit replays the calls of its earlier attempts from the journal, invalid replies included.
    # Each new attempt of the unit therefore gets another round of retries after the replayed ones,
    # continuing the same conversation: a resume asks the model again instead of replaying the failure.
    rounds = max(1, invocation.attempt)
    total = (retries + 1) * rounds
    conversation = list(messages)
    conversation.append(ChatMessage(role="system", content=schema_instructions(schema)))
    problems: list[str] = []
    response: ChatResponse | None = None
    for attempt in range(1, total + 1):
        request = chat_request(invocation, conversation, response_schema=None if mode == "prompt" else dict(schema))
        if mode == "native":
            request = replace(request, structured_mode="native")
        response = invocation.llm.complete(request, on_token=invocation.on_token)
        data, problems = reply_problems(response, schema, request.max_tokens)
        if not problems:
            return StructuredReply(data, response, attempt)
        conversation.append(ChatMessage(role="assistant", content=response.content or ""))
        conversation.append(ChatMessage(role="user", content=feedback(problems)))
    raise RunError(  # the unit runner prefixes "agent '<name>' failed: "
        f"the model's {what} did not match the expected JSON shape after {total} attempts: {'; '.join(problems[:5])}",
        hint="raise structured_output.max_retries, simplify the schema or choose a stronger model; then:",
        next_step=resume_step(),
    )


def feedback(problems: Sequence[str]) -> str:
    listed = "\n".join(f"- {p}" for p in problems[:10])
    return (
        "Your previous reply did not match the required JSON Schema:\n"
        + listed
        + "\nReply again with only the corrected JSON."
    )
