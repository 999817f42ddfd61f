"""router and classifier patterns: the label picks the handler; the others never run."""

from __future__ import annotations

import json

import pytest
from tests.engine.engine_helpers import Harness
from tests.patterns.patterns_helpers import client, counts, rules, run, workflow
from tests.support.hints import hint_of

from aixgo_cli.testing.stub_model_server import StubModelServer

ROUTER = """\
pattern: router
config:
  classifier: triage
  routes: {billing: billing, technical: tech}
  default: general
"""
NAMES = ["triage", "billing", "tech", "general"]


@pytest.mark.parametrize(
    ("label", "handler"), [("billing", "billing"), ("**Technical**.", "tech"), ("shipping", "general")]
)
def test_router_runs_only_the_routed_member(mem: Harness, stub: StubModelServer, label: str, handler: str) -> None:
    stub.set_rules(rules(triage=label, billing="refund issued", tech="restart it", general="see the FAQ"))
    mem.write(workflow(stub, NAMES, ROUTER))

    outcome = run(mem, "I was charged twice")

    assert outcome.status == "completed", outcome.error
    assert outcome.result == {"billing": "refund issued", "tech": "restart it", "general": "see the FAQ"}[handler]
    assert counts(stub) == {"triage": 1, handler: 1}
    assert list(mem.units(outcome.run_id)) == [
        "main/orchestration/classify:triage",
        f"main/orchestration/route:{handler}",
    ]


def test_router_label_matching_no_route_without_default_fails_and_resumes_after_a_fix(
    sql: Harness, stub: StubModelServer
) -> None:
    stub.set_rules(rules(triage="shipping", billing="refund issued", general="see the FAQ"))
    path = sql.write(workflow(stub, NAMES, ROUTER.replace("  default: general\n", "")))

    outcome = run(sql, "Where is my parcel?")

    assert outcome.status == "failed"
    assert outcome.error is not None
    assert "'shipping' matches no route (routes: billing, technical)" in outcome.error.message
    assert f"aixgo resume {outcome.run_id}" in hint_of(outcome.error)
    assert counts(stub) == {"triage": 1}

    path.write_text(path.read_text().replace("technical: tech}", "technical: tech, shipping: general}"))
    resumed = sql.resume(outcome.run_id, client(sql), interrupted=False)

    assert resumed.status == "completed", resumed.error
    assert resumed.result == "see the FAQ"
    assert counts(stub) == {"triage": 1, "general": 1}  # the label was replayed, not asked again


CLASSIFIER_AGENT = """\
  - name: sorter
    role: classifier
    model: svc-sorter
    prompt: "[sorter] Sort support tickets."
    classifier_config:
      categories:
        - {name: billing, description: Money}
        - {name: technical, description: Bugs}
"""
CLASSIFIER = """\
pattern: classifier
config:
  classifier: sorter
  routes: {billing: billing, technical: tech}
  confidence_threshold: 0.6
  default: general
"""


@pytest.mark.parametrize(("confidence", "handler"), [(0.9, "tech"), (0.4, "general")])
def test_classifier_pattern_routes_by_category_and_confidence(
    mem: Harness, stub: StubModelServer, confidence: float, handler: str
) -> None:
    answer = {"category": "technical", "confidence": confidence, "reasoning": "A crash.", "alternatives": []}
    stub.set_rules(
        [*rules(tech="restart it", general="see the FAQ"), {"match": "crashes", "reply": json.dumps(answer)}]
    )
    mem.write(workflow(stub, ["billing", "tech", "general"], CLASSIFIER, agents=CLASSIFIER_AGENT))

    outcome = run(mem, "The app crashes on start")

    assert outcome.status == "completed", outcome.error
    assert outcome.result == {"tech": "restart it", "general": "see the FAQ"}[handler]
    assert counts(stub) == {"sorter": 1, handler: 1}
