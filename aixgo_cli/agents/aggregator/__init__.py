"""aggregator: combine the outputs of several sources into one result, by vote or by a model.

The package splits along what can be tested apart: `inputs` (whatever shape the sources arrive in ->
a list of inputs), `voting` (the four deterministic strategies), `llm` and `prompts` (the five model
strategies), `similarity` (edit-distance maths, consensus level, clusters) and `result` (the one output
shape). This module only wires them: it reads the config, counts the tokens of the calls it makes, and
applies `timeout_ms` as the per-call timeout. The documented model defaults (temperature 0.5, max_tokens
1500) are the role's (agents/registry.py), applied by the one precedence rule of `chat_request`. A
voting strategy never touches `invocation.llm`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from aixgo_cli.agents.aggregator.config import AggregatorConfig
from aixgo_cli.agents.aggregator.inputs import prepare
from aixgo_cli.agents.aggregator.llm import run_llm_strategy
from aixgo_cli.agents.aggregator.result import llm_result, vote_result
from aixgo_cli.agents.aggregator.voting import vote
from aixgo_cli.agents.base import Invocation, ModelGateway
from aixgo_cli.errors import UserError

__all__ = ["aggregate"]


def aggregate(invocation: Invocation) -> dict[str, Any]:
    config = AggregatorConfig.read(invocation.spec.config)
    prepared = prepare(invocation, config)
    if config.voting:
        return vote_result(config, prepared, vote(config, prepared.inputs, agent=invocation.spec.name))
    if invocation.spec.model is None:  # validation requires a model here; a hand-built spec might not
        raise UserError(
            f"aggregator '{invocation.spec.name}' uses {config.strategy}, which needs a model",
            hint="add `model: openai/gpt-4o-mini`, or choose a voting_* strategy",
        )
    spent_before = invocation.llm.usage.total_tokens  # every attempt of a structured call counts
    synthesis = run_llm_strategy(_with_call_timeout(invocation, invocation.llm), config, prepared.inputs)
    return llm_result(config, prepared, synthesis, invocation.llm.usage.total_tokens - spent_before)


def _with_call_timeout(invocation: Invocation, llm: ModelGateway) -> Invocation:
    spec = invocation.spec
    # timeout_ms is the Go key for the same per-call limit as the agent's `timeout`, which wins when both are set.
    timeout_ms = spec.config.get("timeout_ms")
    timeout_s = spec.timeout_s if spec.timeout_s is not None or timeout_ms is None else int(timeout_ms) / 1000
    return replace(invocation, spec=replace(spec, timeout_s=timeout_s), llm=llm)
