"""One precedence rule for model parameters, whatever the role: the role block, then the agent's
`parameters`, then the model service's `parameters`, then the role's default. Checked on what reaches the
stub model server through real LiteLLM, so the provider's merge of the service's parameters is included."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.engine.engine_helpers import Harness
from tests.planner.planner_helpers import simple_plan
from tests.support.e2e import STUB_KEY

from aixgo_cli.engine.runner import RunParams
from aixgo_cli.providers.stack import build_client
from aixgo_cli.testing.stub_model_server import StubModelServer

SERVICE_TEMPERATURE = 0.15
AGGREGATE_REPLY = json.dumps({"aggregated_content": "merged", "conflicts_resolved": []})


def service(stub: StubModelServer, parameters: str) -> str:
    return (
        "model_services:\n  - name: stub\n    provider: openai_compatible\n    model: stub-model\n"
        f"    api_base: {stub.base_url}\n    api_key_secret: STUB_API_KEY\n    retry: {{max_attempts: 1}}\n"
        f"    parameters: {parameters}\n"
    )


def planner(agent_extra: str = "") -> str:
    return "  - name: planner\n    role: planner\n    model: stub\n" + agent_extra


def aggregator(agent_extra: str = "") -> str:
    voters = "".join(f"  - name: {n}\n    role: react\n    model: stub\n    prompt: Answer as {n}.\n" for n in "ab")
    return (
        voters + "  - name: agg\n    role: aggregator\n    model: stub\n    inputs: [a, b]\n"
        "    aggregator_config: {aggregation_strategy: consensus}\n" + agent_extra
    )


def classifier(agent_extra: str = "") -> str:
    return (
        "  - name: sorter\n    role: classifier\n    model: stub\n"
        "    classifier_config:\n      categories:\n        - {name: billing, description: money}\n"
        "        - {name: other, description: the rest}\n" + agent_extra
    )


CLASSIFIED = json.dumps({"category": "billing", "confidence": 0.9, "reasoning": "money"})
# role -> (its agents, the stub's replies, its default temperature)
ROLES: dict[str, tuple[Any, list[str], float]] = {
    "planner": (planner, [simple_plan()], 0.7),
    "aggregator": (aggregator, ["yes", "no", AGGREGATE_REPLY], 0.5),
    "classifier": (classifier, [CLASSIFIED], 0.3),
}


def run_role(harness: Harness, stub: StubModelServer, role: str, parameters: str, agent_extra: str = "") -> float:
    """The temperature of the role's own (last) request as the stub received it."""
    agents, replies, _ = ROLES[role]
    harness.write(f"version: 1\nname: params\n{service(stub, parameters)}agents:\n{agents(agent_extra)}")
    stub.script(replies)
    client = build_client(lambda name: STUB_KEY, harness.load().model_services.values())
    outcome = harness.start(client, RunParams(input="the problem"))
    assert outcome.status == "completed", outcome.error
    requests = stub.stats()["requests"]
    assert len(requests) == len(replies)
    temperature = requests[-1]["temperature"]
    assert isinstance(temperature, float)
    return temperature


@pytest.mark.parametrize("role", sorted(ROLES))
def test_a_model_service_temperature_wins_over_the_role_default(mem: Harness, stub: StubModelServer, role: str) -> None:
    assert run_role(mem, stub, role, f"{{temperature: {SERVICE_TEMPERATURE}}}") == SERVICE_TEMPERATURE


@pytest.mark.parametrize("role", sorted(ROLES))
def test_the_role_default_applies_when_nothing_sets_a_temperature(
    mem: Harness, stub: StubModelServer, role: str
) -> None:
    assert run_role(mem, stub, role, "{top_p: 0.9}") == ROLES[role][2]


@pytest.mark.parametrize("role", sorted(ROLES))
def test_agent_parameters_win_over_the_model_service(mem: Harness, stub: StubModelServer, role: str) -> None:
    agent = "    parameters: {temperature: 0.05}\n"
    assert run_role(mem, stub, role, f"{{temperature: {SERVICE_TEMPERATURE}}}", agent) == 0.05
