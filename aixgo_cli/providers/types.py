"""The typed values that cross the provider boundary: frozen, and JSON-only on disk.

The journal and the cassettes store requests and responses, and both must survive a process restart and a
version upgrade, so they are written as plain JSON (never pickle). One generic codec (`JsonRecord`) walks
the dataclass fields and their type hints, instead of a hand-written `to_dict` per class: adding a field
cannot be forgotten in one direction. Fields missing from stored JSON take their defaults, so records
written by an older version still load.

Sequences are tuples so that every value is immutable and can be shared between worker threads; lists
passed in are converted on construction.
"""

from __future__ import annotations

import functools
import json
import types
import typing
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields, is_dataclass
from typing import Any, Self, Union

JsonDict = dict[str, Any]


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}
_OMITTED_AT_DEFAULT: dict[type, dict[str, Any]] = {}
OMIT_AT_DEFAULT = {"omit_at_default": True}
"""Field metadata: leave the field out of the JSON while it has its default, so that adding it does not
change the stored form (and so the journal and cassette keys) of every record that does not use it."""


def _encode(value: Any) -> Any:
    # Scalars first and field names cached per class: this runs on every journaled request and response.
    if value is None or isinstance(value, str | int | float):
        return value
    names = _FIELD_NAMES.get(type(value))
    if names is None and is_dataclass(value) and not isinstance(value, type):
        names = _FIELD_NAMES[type(value)] = tuple(f.name for f in fields(value))
        _OMITTED_AT_DEFAULT[type(value)] = {
            f.name: f.default for f in fields(value) if f.metadata.get("omit_at_default")
        }
    if names is not None:
        omitted = _OMITTED_AT_DEFAULT[type(value)]
        if omitted:
            return {
                name: _encode(getattr(value, name))
                for name in names
                if name not in omitted or getattr(value, name) != omitted[name]
            }
        return {name: _encode(getattr(value, name)) for name in names}
    if isinstance(value, tuple | list):
        return [_encode(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _encode(v) for k, v in value.items()}
    return value


def _decode(hint: Any, value: Any) -> Any:
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        if value is None:
            return None
        non_null = [a for a in typing.get_args(hint) if a is not type(None)]
        return _decode(non_null[0], value)
    if origin is tuple:
        item_hint = typing.get_args(hint)[0]
        return tuple(_decode(item_hint, v) for v in value)
    if isinstance(hint, type) and issubclass(hint, JsonRecord):
        return hint.from_json(value)
    if hint is float:
        return float(value)
    if origin is Mapping or hint is Mapping:
        return json.loads(json.dumps(value))  # a private deep copy
    return value


@functools.cache
def _field_plan(cls: type) -> tuple[tuple[str, Any, bool], ...]:
    """(name, type hint, required) per field; cached because resolving hints dominates decoding time."""
    hints = typing.get_type_hints(cls)
    return tuple((f.name, hints[f.name], f.default is MISSING and f.default_factory is MISSING) for f in fields(cls))


class JsonRecord:
    """Mixin for frozen dataclasses: `to_json()` gives a JSON-compatible dict, `from_json()` reads it."""

    def to_json(self) -> JsonDict:
        encoded = _encode(self)
        assert isinstance(encoded, dict)
        return encoded

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        kwargs: dict[str, Any] = {}
        record_type: type = cls
        for name, hint, required in _field_plan(record_type):
            if name in data:
                kwargs[name] = _decode(hint, data[name])
            elif required:
                raise ValueError(f"{cls.__name__}: stored record has no '{name}'")
        return cls(**kwargs)

    def to_json_text(self) -> str:
        return json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _freeze_tuple(obj: object, name: str) -> None:
    value = getattr(obj, name)
    if not isinstance(value, tuple):
        object.__setattr__(obj, name, tuple(value))


@dataclass(frozen=True)
class ToolCall(JsonRecord):
    """A tool call the model asked for. `arguments_json` is kept as the model sent it (it may be invalid)."""

    id: str
    name: str
    arguments_json: str

    def arguments(self) -> Any:
        """The parsed arguments; raises `json.JSONDecodeError` when the model sent invalid JSON."""
        return json.loads(self.arguments_json) if self.arguments_json.strip() else {}

    def to_openai(self) -> JsonDict:
        function = {"name": self.name, "arguments": self.arguments_json}
        return {"id": self.id, "type": "function", "function": function}


@dataclass(frozen=True)
class ChatMessage(JsonRecord):
    """One chat turn. `role` is system, user, assistant or tool; tool results carry `tool_call_id`."""

    role: str
    content: str | None
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None
    name: str | None = None

    def __post_init__(self) -> None:
        _freeze_tuple(self, "tool_calls")

    def to_openai(self) -> JsonDict:
        message: JsonDict = {"role": self.role, "content": self.content}
        if self.tool_calls:
            message["tool_calls"] = [c.to_openai() for c in self.tool_calls]
        if self.tool_call_id is not None:
            message["tool_call_id"] = self.tool_call_id
        if self.name is not None:
            message["name"] = self.name
        return message


@dataclass(frozen=True)
class ToolSpec(JsonRecord):
    """A tool offered to the model; `parameters` is its JSON Schema."""

    name: str
    description: str
    parameters: Mapping[str, Any] = field(default_factory=lambda: {"type": "object", "properties": {}})

    def to_openai(self) -> JsonDict:
        function = {"name": self.name, "description": self.description, "parameters": dict(self.parameters)}
        return {"type": "function", "function": function}


@dataclass(frozen=True)
class Usage(JsonRecord):
    """Tokens and money for one call (or a sum of calls). `cost_known` is False when any price was unknown;
    `tokens_estimated` is True when any count was LiteLLM's estimate because the server sent none."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    cost_known: bool = True
    tokens_estimated: bool = False

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
            self.cost_usd + other.cost_usd,
            self.cost_known and other.cost_known,
            self.tokens_estimated or other.tokens_estimated,
        )


@dataclass(frozen=True)
class ChatRequest(JsonRecord):
    """One model call. `model` is the agent's model string (a LiteLLM id or a `model_services` name).

    `params` holds further provider parameters (top_p, seed, stop, ...); `timeout_s=None` means the
    model service's timeout, else the client's default.
    """

    model: str
    messages: tuple[ChatMessage, ...]
    tools: tuple[ToolSpec, ...] = ()
    temperature: float | None = None
    max_tokens: int | None = None
    response_schema: Mapping[str, Any] | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    timeout_s: float | None = None
    retry: Mapping[str, Any] | None = None  # the agent's own `retry:` block; it wins over the service's
    # `structured_output.mode: native`: send the schema in the server's structured form even when LiteLLM's
    # map does not flag the model (None: auto, only where known to work).
    structured_mode: str | None = field(default=None, metadata=OMIT_AT_DEFAULT)

    def __post_init__(self) -> None:
        _freeze_tuple(self, "messages")
        _freeze_tuple(self, "tools")

    def last_user_text(self) -> str:
        for message in reversed(self.messages):
            if message.role == "user":
                return message.content or ""
        return ""


@dataclass(frozen=True)
class ChatResponse(JsonRecord):
    """The model's answer. `attempts` counts HTTP attempts made by aixgo's retry layer (1 = no retry)."""

    content: str | None
    tool_calls: tuple[ToolCall, ...] = ()
    finish_reason: str = "stop"
    usage: Usage = field(default_factory=Usage)
    model: str = ""
    attempts: int = 1

    def __post_init__(self) -> None:
        _freeze_tuple(self, "tool_calls")

    def as_message(self) -> ChatMessage:
        """The assistant turn to append to the conversation before sending tool results back."""
        return ChatMessage("assistant", self.content, self.tool_calls)
