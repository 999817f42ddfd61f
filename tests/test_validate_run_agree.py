"""`validate` and `run` never disagree: what `run` refuses, `validate` reports as an error with its line,
and what `validate` passes, `run` accepts (before any request).

Three guards: every shipped example passes both; a corpus of workflows `run` refuses is refused by both,
`validate` pointing at the line; and the two tables `validate` keeps so that it need not import what `run`
uses (the runnable patterns, the providers LiteLLM knows) match what `run` actually uses.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.support.e2e import REPO, Cli, stub_service

from aixgo_cli.config.model import load_workflow
from aixgo_cli.config.model_prefixes import KNOWN_PROVIDERS
from aixgo_cli.config.orchestration_checks import PATTERN_RULES
from aixgo_cli.config.validate import validate_path
from aixgo_cli.engine.capabilities import check_runnable
from aixgo_cli.patterns.registry import PATTERNS
from aixgo_cli.providers import pricing
from aixgo_cli.providers.model_ref import DEFAULT_SECRETS, resolve_model
from aixgo_cli.testing.stub_model_server import StubModelServer

EXAMPLES = sorted((REPO / "workflows").glob("*.yaml"))
# Examples that need what another part of aixgo brings (MCP tools); both validate and run accept the
# file's shape, and run refuses it before any request.
NEEDS_MORE = {"time-assistant.yaml"}


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_every_example_passes_validate_and_the_checks_run_makes_first(path: Path) -> None:
    report = validate_path(path)
    assert report.ok, [str(i.message) for i in report.errors]
    if path.name in NEEDS_MORE:
        return
    workflow = load_workflow(path)
    check_runnable(workflow)
    for agent in workflow.agents.values():
        if agent.model is not None:
            resolve_model(agent.model, workflow.model_services.values())


def test_the_runnable_patterns_validate_knows_are_the_registry() -> None:
    assert {name for name, rule in PATTERN_RULES.items() if rule.runnable} == set(PATTERNS)


def test_the_providers_validate_knows_are_the_ones_run_resolves() -> None:
    assert (set(DEFAULT_SECRETS) | set(pricing.known_providers())) - {""} == KNOWN_PROVIDERS


REFUSED = {
    "unknown-provider": (
        "agents:\n  - {name: a, role: react, model: opnai/gpt-4o-mini, prompt: hi}\n",
        "'opnai' is not a provider LiteLLM knows",
        "model: opnai/gpt-4o-mini",
    ),
    "supervisor-without-supervisor": (
        "agents:\n  - {name: a, role: react, model: stub, prompt: hi}\n"
        "orchestration:\n  pattern: supervisor\n  agents: [a]\n"
        "  config: {routing_strategy: best_match, max_rounds: 3}\n",
        "best_match routing asks a supervisor agent who works next",
        "routing_strategy: best_match",
    ),
    "supervisor-block-name-taken": (
        "supervisor: {name: a, model: stub, max_rounds: 3}\n"
        "agents:\n  - {name: a, role: react, model: stub, prompt: hi}\n"
        "  - {name: b, role: react, model: stub, prompt: hi}\n"
        "orchestration:\n  pattern: supervisor\n  agents: [b]\n",
        "the supervisor block defines an agent 'a', but an agent or flow already has that name",
        "supervisor: {name: a",
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(REFUSED))
def test_what_run_refuses_validate_reports_with_its_line(cli: Cli, stub: StubModelServer, case: str) -> None:
    body, message, line_text = REFUSED[case]
    text = f"version: 1\nname: refused\n{stub_service(stub)}{body}"
    path = cli.write("wf.yaml", text)
    line = next(n for n, row in enumerate(text.splitlines(), 1) if line_text in row)

    validated = cli.run("validate", str(path))
    ran = cli.run("run", str(path), "--input", "hello")

    assert validated.returncode == 2, validated.stderr
    assert message in validated.stderr and f"wf.yaml:{line}:" in validated.stderr
    assert ran.returncode == 2, ran.stderr
    assert "Traceback" not in ran.stderr and "hint:" in ran.stderr
    assert stub.stats()["total"] == 0
