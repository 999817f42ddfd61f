"""Workflows and fake models for aggregator tests.

`panel` builds an agent-graph workflow: react agents (one fake model each, `fake/<name>`) feeding one
aggregator `agg` whose model is `fake/agg`. Replies are routed by model name, so the voters' answers
never depend on thread timing, and the aggregator's requests can be told apart from theirs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from tests.engine.engine_helpers import Harness, by_model

from aixgo_cli.engine.runner import RunOutcome, RunParams
from aixgo_cli.providers.types import ChatRequest, ChatResponse
from aixgo_cli.testing.fake_client import ScriptedClient

AGG_MODEL = "fake/agg"
Handler = Callable[[ChatRequest], str | ChatResponse] | str | BaseException


def panel(
    config: Mapping[str, Any], voters: Sequence[str] = ("a", "b", "c"), *, model: bool = True, prompt: str = ""
) -> str:
    text = "version: 1\nname: agg-test\nagents:\n"
    for name in voters:
        text += f"  - name: {name}\n    role: react\n    model: fake/{name}\n    prompt: Answer.\n"
    text += f"  - name: agg\n    role: aggregator\n    inputs: [{', '.join(voters)}]\n"
    if model:
        text += f"    model: {AGG_MODEL}\n"
    if prompt:
        text += f"    prompt: {json.dumps(prompt)}\n"
    return text + f"    aggregator_config: {json.dumps(dict(config))}\n"


def solo(config: Mapping[str, Any], *, model: bool = True) -> str:
    """Just the aggregator: its input is the run's --input (a list or a mapping)."""
    text = "version: 1\nname: agg-solo\nagents:\n  - name: agg\n    role: aggregator\n"
    if model:
        text += f"    model: {AGG_MODEL}\n"
    return text + f"    aggregator_config: {json.dumps(dict(config))}\n"


def client(answers: Mapping[str, Handler], agg: Handler | None = None) -> ScriptedClient:
    handlers: dict[str, Handler] = {f"fake/{name}": reply for name, reply in answers.items()}
    if agg is not None:
        handlers[AGG_MODEL] = agg
    return by_model(handlers)


def run(harness: Harness, workflow: str, fake: ScriptedClient, run_input: Any = "question") -> RunOutcome:
    harness.write(workflow)
    return harness.start(fake, RunParams(input=run_input))


def agg_requests(fake: ScriptedClient) -> list[ChatRequest]:
    return [r for r in fake.requests if r.model == AGG_MODEL]


def reply(content: str, conflicts: Sequence[Mapping[str, Any]] = (), summary: str | None = None) -> str:
    data: dict[str, Any] = {"aggregated_content": content, "conflicts_resolved": list(conflicts)}
    if summary is not None:
        data["summary_insights"] = summary
    return json.dumps(data)


def scripted(*replies: str) -> Callable[[ChatRequest], str]:
    """Aggregator replies in order (one per call), for tests that count and inspect the calls."""
    queue = list(replies)
    return lambda request: queue.pop(0)


def system_text(request: ChatRequest) -> str:
    return "\n".join(m.content or "" for m in request.messages if m.role == "system")
