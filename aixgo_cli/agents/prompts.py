"""How an agent's prompt and input become chat messages, and its model parameters a request.

A prompt that uses `{{ input }}` or `{{ item }}` already contains the input, so it is sent as the user
message on its own; otherwise the prompt is the system message and the input the user message. Sending
the input twice would double its cost.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aixgo_cli.agents.base import Invocation
from aixgo_cli.config.template_refs import analyse_template
from aixgo_cli.providers.types import ChatMessage, ChatRequest, ToolSpec

_BLOCK_KEYS = ("temperature", "max_tokens")


def uses_input(template: str) -> bool:
    return analyse_template(template).reads_input  # the analysis `validate` and the unit key use


def initial_messages(invocation: Invocation) -> list[ChatMessage]:
    """The system prompt, the session's earlier exchanges (if any), then this unit's user message."""
    template = invocation.spec.prompt
    history = list(invocation.history)
    if not template:
        return [*history, ChatMessage(role="user", content=invocation.text)]
    rendered = invocation.render(template, invocation.template_context())
    if uses_input(template):
        return [*history, ChatMessage(role="user", content=rendered)]
    return [
        ChatMessage(role="system", content=rendered),
        *history,
        ChatMessage(role="user", content=invocation.text),
    ]


def chat_request(
    invocation: Invocation,
    messages: Sequence[ChatMessage],
    *,
    tools: Sequence[ToolSpec] = (),
    response_schema: dict[str, Any] | None = None,
) -> ChatRequest:
    """The request with the one precedence rule for temperature and max_tokens applied: the role block,
    then the agent's `parameters`, then the model service's `parameters` (which the provider adds, so
    the request leaves the value unset), then the role's default."""
    spec = invocation.spec
    params = dict(spec.parameters)
    service = invocation.workflow.model_services.get(spec.model or "")
    service_params: Mapping[str, Any] = (service.get("parameters") if service else None) or {}
    chosen: dict[str, Any] = {}
    for key in _BLOCK_KEYS:
        from_parameters = params.pop(key, None)
        if key in spec.config:
            chosen[key] = spec.config[key]
        elif key in spec.parameters:
            chosen[key] = from_parameters
        elif key not in service_params:
            chosen[key] = invocation.model_defaults.get(key)
    temperature, max_tokens = chosen.get("temperature"), chosen.get("max_tokens")
    assert spec.model is not None
    return ChatRequest(
        model=spec.model,
        messages=tuple(messages),
        tools=tuple(tools),
        temperature=temperature,
        max_tokens=max_tokens,
        response_schema=response_schema,
        params=params,
        timeout_s=spec.timeout_s,
        retry=dict(spec.retry) if spec.retry else None,
    )
