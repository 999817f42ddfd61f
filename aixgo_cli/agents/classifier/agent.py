"""classifier: one structured model call that puts the input into the configured categories.

The call goes through `complete_structured`, so a reply that is not JSON, misses a field or names a
category that does not exist is fed back with the validation errors and asked again, each attempt a
journaled model call; a reply that never validates fails the step (exit 1) and the run can be resumed.
The agent sees a copy of its invocation with the role's sampling defaults filled in and a model gateway
that adds up the usage of every attempt, so `tokens_used` is what the classification really cost.
"""

from __future__ import annotations

from typing import Any

from aixgo_cli.agents.base import Invocation
from aixgo_cli.agents.classifier import prompt
from aixgo_cli.agents.classifier.config import ClassifierConfig
from aixgo_cli.agents.classifier.result import multi_label, single_label
from aixgo_cli.agents.structured import complete_structured


def classify(invocation: Invocation) -> dict[str, Any]:
    config = ClassifierConfig.from_block(invocation.spec.config)
    spent_before = invocation.llm.usage.total_tokens
    reply = complete_structured(
        invocation, prompt.messages(invocation, config), prompt.response_schema(config), what="classification"
    )
    tokens = invocation.llm.usage.total_tokens - spent_before
    if config.multi_label:
        return multi_label(reply.data, config, tokens)
    return single_label(reply.data, config, tokens)
