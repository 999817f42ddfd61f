"""What an agent gets when it runs one unit of work, and what it gives back.

An `Invocation` is the agent's whole world: its spec, its input, the upstream outputs, a model gateway
and a tool box that journal every call, a template renderer and an output sink. Agents are plain functions of an
invocation, so a role module reads top to bottom and never touches storage, threads or the terminal.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from aixgo_cli.agents.output import CollectedOutput, OutputSink
from aixgo_cli.config.model import AgentSpec, Workflow
from aixgo_cli.events import UnitEvent
from aixgo_cli.providers.protocol import TokenCallback
from aixgo_cli.providers.types import ChatMessage, ChatRequest, ChatResponse, ToolSpec, Usage


class ModelGateway(Protocol):
    """Model calls for one unit; each call is journaled (intent, then result) and memoised."""

    def complete(self, request: ChatRequest, *, on_token: TokenCallback | None = None) -> ChatResponse: ...

    @property
    def usage(self) -> Usage:
        """What this unit's calls have cost so far, replayed ones included (so a resume reports the same):
        an agent that reports its tokens reads the difference over its own calls."""
        ...


class ToolBox(Protocol):
    """The tools one agent may call; each call is validated, journaled and memoised."""

    def specs(self) -> list[ToolSpec]: ...

    def call(self, name: str, arguments_json: str) -> str: ...


@dataclass
class Invocation:
    spec: AgentSpec
    workflow: Workflow
    payload: Any  # the input: text, or a JSON value for structured items
    upstream: Mapping[str, Any]  # output of each upstream agent in this lane
    variables: Mapping[str, Any]  # workflow inputs (--var)
    llm: ModelGateway
    tools: ToolBox
    render: Callable[[str, Mapping[str, Any]], str]
    run_input: Any = None  # the run's --input, for producers
    stdin_reader: Callable[[], str] | None = None
    on_token: TokenCallback | None = None
    idempotency_key: str = ""
    sources: Mapping[str, Any] = field(default_factory=dict)  # each data source's output, when several
    # Earlier exchanges of this agent in the run's conversation session, oldest first (`session:`).
    history: tuple[ChatMessage, ...] = ()
    attempt: int = 1  # which attempt of the unit this is (a resumed unit's earlier attempts are journaled)
    lane_item: Any = None  # the item of the producer lane this unit runs in, if any
    # Where lines the agent writes out go; the host of the run decides (terminal streams, or collected).
    output: OutputSink = field(default_factory=CollectedOutput)
    wrote_stdout: bool = False  # set by an agent whose line went to stdout
    # The role's model-parameter defaults: the last rung of `chat_request`'s precedence rule.
    model_defaults: Mapping[str, Any] = field(default_factory=dict)
    # Reports an event about this unit (e.g. InjectionDetected); the engine stamps the run id, the unit
    # key and the time, so an agent leaves those empty.
    notify: Callable[[UnitEvent], None] = field(default=lambda event: None)

    @property
    def text(self) -> str:
        return as_text(self.payload)

    def template_context(self) -> dict[str, Any]:
        return {
            "input": self.text,
            "item": self.payload,
            "inputs": dict(self.variables),
            "outputs": {k: as_text(v) for k, v in self.upstream.items()},
            "agent": {"name": self.spec.name, "role": self.spec.role},
        }


class Agent(Protocol):
    def __call__(self, invocation: Invocation) -> Any:
        """Run one unit and return its output: text or a JSON value."""
        ...


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)
