"""What the stub model server answers: pure functions from (script item, request) to a reply.

Kept apart from the HTTP plumbing so the reply shapes can be read in one place and compared with the
OpenAI chat-completions format they imitate. A *script item* is a JSON object (a bare string is short for
``{"content": string}``):

``content``        assistant text
``tool_calls``     list of ``{name, arguments (object or JSON string), id?}``
``status``         answer with this HTTP error status instead (429, 500, 401, ...); ``retry_after`` adds
                   a ``Retry-After`` header (seconds or an HTTP date), ``message`` sets the error text
``malformed``      answer 200 with a body that is not JSON
``delay``          seconds to wait before answering (combines with any of the above)
``chunks``         explicit stream pieces, used when the request streams
``usage``          ``{prompt_tokens, completion_tokens}`` instead of the length-based counts
``finish_reason``  instead of ``stop`` / ``tool_calls``
``no_usage``       send no token counts at all (as some local servers do), streamed or not

Token counts are derived from text length (one token per four characters, at least one) so that they are
deterministic and a test can predict them.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

ScriptItem = dict[str, Any]

_ITEM_KEYS = frozenset(
    {
        "content",
        "tool_calls",
        "status",
        "retry_after",
        "message",
        "malformed",
        "delay",
        "chunks",
        "usage",
        "finish_reason",
        "no_usage",
    }
)
_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    429: "rate_limit_error",
}


@dataclass(frozen=True)
class Reply:
    """One HTTP answer: a status, headers and either a body or a list of SSE events."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    events: tuple[bytes, ...] | None = None  # set for a streamed answer


def normalize_item(item: Any) -> ScriptItem:
    """Accept the shorthand forms and reject anything the server could not answer with."""
    if isinstance(item, str):
        return {"content": item}
    if not isinstance(item, dict):
        raise ValueError(f"a script item must be an object or a string, not {type(item).__name__}")
    unknown = set(item) - _ITEM_KEYS
    if unknown:
        raise ValueError(f"unknown script item keys: {sorted(unknown)}")
    return dict(item)


def message_text(message: dict[str, Any]) -> str:
    """The text of one chat message, whether content is a string or a list of parts."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


def last_user_text(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            return message_text(message)
    return ""


def last_input_text(messages: list[dict[str, Any]]) -> str:
    """The text the default reply echoes: the last user message or tool result, whichever is later."""
    for message in reversed(messages):
        if message.get("role") in ("user", "tool"):
            return message_text(message)
    return ""


def messages_hash(messages: list[dict[str, Any]]) -> str:
    canonical = json.dumps(messages, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def count_tokens(text: str) -> int:
    return max(1, math.ceil(len(text) / 4))


def default_item(messages: list[dict[str, Any]]) -> ScriptItem:
    return {"content": "stub: " + last_input_text(messages)}


def match_rule(rules: list[dict[str, Any]], messages: list[dict[str, Any]]) -> ScriptItem | None:
    text = last_user_text(messages)
    for rule in rules:
        if re.search(rule["match"], text):
            return normalize_item(rule["reply"])
    return None


def _tool_calls(item: ScriptItem) -> list[dict[str, Any]]:
    calls = []
    for index, call in enumerate(item.get("tool_calls") or []):
        arguments = call.get("arguments", {})
        if not isinstance(arguments, str):
            arguments = json.dumps(arguments)
        calls.append(
            {
                "id": call.get("id") or f"call_{index}",
                "type": "function",
                "function": {"name": call["name"], "arguments": arguments},
            }
        )
    return calls


def _usage(item: ScriptItem, messages: list[dict[str, Any]], completion_text: str) -> dict[str, int]:
    given = item.get("usage") or {}
    prompt = int(given.get("prompt_tokens", count_tokens("".join(message_text(m) for m in messages))))
    completion = int(given.get("completion_tokens", count_tokens(completion_text)))
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def error_reply(item: ScriptItem, authorization: str) -> Reply:
    status = int(item["status"])
    default_message = f"stub error {status}"
    if status == 401:
        # Real providers have echoed the presented key in this message; the stub does the worst case so
        # that redaction is tested against it.
        default_message = "Incorrect API key provided: " + authorization.removeprefix("Bearer ").strip()
    error_type = _ERROR_TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")
    body = {"error": {"message": item.get("message", default_message), "type": error_type, "code": None}}
    headers = {"Content-Type": "application/json"}
    if "retry_after" in item:
        headers["Retry-After"] = str(item["retry_after"])
    return Reply(status, headers, json.dumps(body).encode())


def completion_reply(
    item: ScriptItem, request: dict[str, Any], sequence: int, created: int, authorization: str = ""
) -> Reply:
    """The answer to one chat-completions request, streamed when the request asks for it."""
    if "status" in item:
        return error_reply(item, authorization)
    if item.get("malformed"):
        return Reply(200, {"Content-Type": "application/json"}, b'{"id": "chatcmpl-broken", "choices": [')
    messages = request.get("messages") or []
    model = str(request.get("model", "stub-model"))
    content = item.get("content")
    tool_calls = _tool_calls(item)
    completion_text = (content or "") + "".join(c["function"]["arguments"] for c in tool_calls)
    usage = _usage(item, messages, completion_text)
    finish = item.get("finish_reason") or ("tool_calls" if tool_calls else "stop")
    completion_id = f"chatcmpl-stub-{sequence}"
    if request.get("stream"):
        include_usage = bool((request.get("stream_options") or {}).get("include_usage")) and not item.get("no_usage")
        events = _stream_events(
            item,
            completion_id=completion_id,
            model=model,
            created=created,
            tool_calls=tool_calls,
            finish=finish,
            usage=usage,
            include_usage=include_usage,
        )
        return Reply(200, {"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}, events=events)
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = tool_calls
    body = {
        "id": completion_id,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": usage,
    }
    if item.get("no_usage"):
        del body["usage"]
    return Reply(200, {"Content-Type": "application/json"}, json.dumps(body).encode())


def _stream_events(
    item: ScriptItem,
    *,
    completion_id: str,
    model: str,
    created: int,
    tool_calls: list[dict[str, Any]],
    finish: str,
    usage: dict[str, int],
    include_usage: bool,
) -> tuple[bytes, ...]:
    def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
        choice = {"index": 0, "delta": delta, "finish_reason": finish_reason}
        return {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [choice],
        }

    content = item.get("content") or ""
    pieces = item.get("chunks") or re.findall(r"\S+\s*|\s+", content)
    chunks = [chunk({"role": "assistant", "content": ""})]
    chunks += [chunk({"content": piece}) for piece in pieces]
    for index, call in enumerate(tool_calls):
        head = {"index": index, "id": call["id"], "type": "function"}
        head["function"] = {"name": call["function"]["name"], "arguments": ""}
        chunks.append(chunk({"tool_calls": [head]}))
        arguments = {"index": index, "function": {"arguments": call["function"]["arguments"]}}
        chunks.append(chunk({"tool_calls": [arguments]}))
    chunks.append(chunk({}, finish))
    if include_usage:
        final = chunk({})
        final["choices"] = []
        final["usage"] = usage
        chunks.append(final)
    events = [b"data: " + json.dumps(c).encode() + b"\n\n" for c in chunks]
    events.append(b"data: [DONE]\n\n")
    return tuple(events)
