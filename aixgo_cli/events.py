"""The one stream every renderer reads: typed, frozen events with a `kind`.

The engine emits these; the journal stores them (as JSON), `--events FILE` writes them as versioned JSONL,
and the terminal progress display renders them. Nothing here carries a secret: payload previews are
redacted before an event is built.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any, ClassVar

EVENTS_FORMAT_VERSION = 1
IN_PROCESS_ONLY = "in_process_only"  # field metadata: the field stays in memory, out of every serialisation


@dataclass(frozen=True)
class Event:
    kind: ClassVar[str] = "event"
    run_id: str
    at: float  # unix time, seconds


@dataclass(frozen=True)
class RunStarted(Event):
    kind: ClassVar[str] = "run_started"
    workflow: str
    resumed: bool


@dataclass(frozen=True)
class StepStarted(Event):
    kind: ClassVar[str] = "step_started"
    unit_key: str
    place: str
    agent: str
    role: str


@dataclass(frozen=True)
class StepFinished(Event):
    kind: ClassVar[str] = "step_finished"
    unit_key: str
    place: str
    agent: str
    cached: bool
    duration_ms: float
    tokens: int
    cost_usd: float
    preview: str


@dataclass(frozen=True)
class StepFailed(Event):
    kind: ClassVar[str] = "step_failed"
    unit_key: str
    place: str
    agent: str
    error: str


@dataclass(frozen=True)
class LLMCalled(Event):
    kind: ClassVar[str] = "llm_called"
    unit_key: str
    model: str
    cached: bool
    attempts: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    duration_ms: float
    cost_known: bool = True  # False: no price for this model at this endpoint (counted as $0)
    tokens_estimated: bool = False  # the server sent no token counts; LiteLLM estimated them
    finish_reason: str = ""  # the provider's: stop, length, tool_calls, ...
    # The call's (request, response), for subscribers in this process asked to show them (OpenTelemetry with
    # content capture). Never serialised: `event_to_dict` leaves it out, so it reaches no journal or file.
    exchange: Any = field(default=None, compare=False, repr=False, metadata={IN_PROCESS_ONLY: True})


@dataclass(frozen=True)
class ToolCalled(Event):
    kind: ClassVar[str] = "tool_called"
    unit_key: str
    tool: str
    cached: bool
    ok: bool
    duration_ms: float


@dataclass(frozen=True)
class ModelRetry(Event):
    """A model call failed in a way worth retrying (429, 5xx, timeout); the next attempt follows the wait."""

    kind: ClassVar[str] = "model_retry"
    model: str
    attempt: int  # the attempt that failed
    delay_s: float
    reason: str  # "429", "503", "timeout", ...


@dataclass(frozen=True)
class UnitEvent(Event):
    """An event about one unit that an agent reports through `Invocation.notify`."""

    unit_key: str


@dataclass(frozen=True)
class InjectionDetected(UnitEvent):
    """Suspicious text met by an agent, and what was done about it (never the text itself).

    `source`: `input` (the agent's input), `model_output` (the model imitated the loop's own markers) or
    `tool_result` (a tool's result did). `action`: `wrapped` (fenced as data), `refused` (a call to a tool
    the agent lacks, category `unlisted_tool_call`, not run), `cut` (dropped, not
    trusted) or `quoted` (kept, with its marker lines neutralised).
    """

    kind: ClassVar[str] = "injection_detected"
    agent: str
    source: str
    category: str
    confidence: float
    matched_patterns: tuple[str, ...]
    action: str


@dataclass(frozen=True)
class IncompleteReply(UnitEvent):
    """A model reply that was cut off by the token limit (`reason: cut_off`, finish_reason `length`) or
    had neither text nor a tool call (`reason: empty`). `action`: `kept` (the step goes on with it; an
    empty reply is `""`) or `failed` (the agent's `incomplete_reply: fail`)."""

    kind: ClassVar[str] = "incomplete_reply"
    model: str
    reason: str
    max_tokens: int | None
    action: str


@dataclass(frozen=True)
class Token(Event):
    """A streamed token (`--stream`); shown live, never journaled."""

    kind: ClassVar[str] = "token"
    agent: str
    text: str
    place: str = ""  # the step streaming, so replies of parallel steps can be told apart


@dataclass(frozen=True)
class RunPaused(Event):
    kind: ClassVar[str] = "run_paused"
    reason: str


@dataclass(frozen=True)
class RunFinished(Event):
    kind: ClassVar[str] = "run_finished"
    status: str
    tokens: int
    cost_usd: float
    steps: int
    cached_steps: int
    error: str | None = None


def event_to_dict(event: Event) -> dict[str, Any]:
    # Events hold only flat values, so a shallow read of the fields is enough (asdict deep-copies).
    names = _FIELD_NAMES.get(type(event))
    if names is None:
        names = _FIELD_NAMES[type(event)] = tuple(
            f.name for f in dataclasses.fields(event) if not f.metadata.get(IN_PROCESS_ONLY)
        )
    return {"v": EVENTS_FORMAT_VERSION, "kind": event.kind, **{name: getattr(event, name) for name in names}}


_FIELD_NAMES: dict[type[Event], tuple[str, ...]] = {}


def event_to_json(event: Event) -> str:
    return json.dumps(event_to_dict(event), ensure_ascii=False, separators=(",", ":"))
