"""classifier: one structured model call that puts the input into the configured categories.

The call goes through `complete_structured`, so a reply that is not JSON, misses a field or names a
category that does not exist is fed back with the validation errors and asked again, each attempt a
journaled model call; a reply that never validates fails the step (exit 1) and the run can be resumed.
The agent sees a copy of its invocation with the role's sampling defaults filled in and a model gateway
that adds up the usage of every attempt, so `tokens_used` is what the classification really cost.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from aixgo_cli.agents.base import Invocation, ModelGateway
from aixgo_cli.agents.classifier import prompt
from aixgo_cli.agents.classifier.config import ClassifierConfig
from aixgo_cli.agents.classifier.result import multi_label, single_label
from aixgo_cli.agents.structured import complete_structured
from aixgo_cli.providers.protocol import TokenCallback
from aixgo_cli.providers.types import ChatRequest, ChatResponse, Usage


class _CountingGateway:
    """Passes calls through and sums their usage (replayed calls included, so a resume reports the same)."""

    def __init__(self, inner: ModelGateway) -> None:
        self.inner = inner
        self.usage = Usage()

    def complete(self, request: ChatRequest, *, on_token: TokenCallback | None = None) -> ChatResponse:
        response = self.inner.complete(request, on_token=on_token)
        self.usage = self.usage + response.usage
        return response


def classify(invocation: Invocation) -> dict[str, Any]:
    config = ClassifierConfig.from_block(invocation.spec.config)
    gateway = _CountingGateway(invocation.llm)
    call = replace(invocation, llm=gateway)
    reply = complete_structured(
        call, prompt.messages(invocation, config), prompt.response_schema(config), what="classification"
    )
    tokens = gateway.usage.total_tokens
    if config.multi_label:
        return multi_label(reply.data, config, tokens)
    return single_label(reply.data, config, tokens)
