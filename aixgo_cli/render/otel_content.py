"""Prompts and replies on model-call spans, only when the user asks (they can hold personal data).

Off by default. On with the GenAI convention's own switch,
`OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true`; then a `chat` span carries
`gen_ai.system_instructions`, `gen_ai.input.messages` and `gen_ai.output.messages` as JSON text in the
convention's message form (role + typed parts: `text`, `tool_call`, `tool_call_response`). Every text
passes the redaction filter first, so a secret the workflow knows (or one shaped like a key) is masked
before it leaves the process.
"""

from __future__ import annotations

import json
import os
from typing import Any

from aixgo_cli.secrets.redaction import redact

CAPTURE_VAR = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"


def content_requested() -> bool:
    return os.environ.get(CAPTURE_VAR, "").strip().lower() == "true"


def content_attributes(exchange: Any) -> dict[str, str]:
    """The content attributes of one call, from the `(ChatRequest, ChatResponse)` of its `LLMCalled` event."""
    if exchange is None:
        return {}
    request, response = exchange
    system = [_text(m.content) for m in request.messages if m.role == "system" and m.content]
    conversation = [_message(m) for m in request.messages if m.role != "system"]
    reply = {
        "role": "assistant",
        "parts": _parts(response.content, response.tool_calls),
        "finish_reason": response.finish_reason,
    }
    attributes = {"gen_ai.input.messages": _json(conversation), "gen_ai.output.messages": _json([reply])}
    if system:
        attributes["gen_ai.system_instructions"] = _json(system)
    return attributes


def _message(message: Any) -> dict[str, Any]:
    if message.role == "tool":
        part = {"type": "tool_call_response", "id": message.tool_call_id, "response": redact(message.content or "")}
        return {"role": "tool", "parts": [part]}
    return {"role": message.role, "parts": _parts(message.content, message.tool_calls)}


def _parts(content: str | None, tool_calls: Any) -> list[dict[str, Any]]:
    parts = [_text(content)] if content else []
    parts += [
        {"type": "tool_call", "id": call.id, "name": call.name, "arguments": redact(call.arguments_json)}
        for call in tool_calls
    ]
    return parts


def _text(content: str) -> dict[str, str]:
    return {"type": "text", "content": redact(content)}


def _json(value: Any) -> str:
    # Each text is redacted on its own above (JSON escaping could split a secret); the whole is checked again.
    return redact(json.dumps(value, ensure_ascii=False))
