"""The serve parts that need no server: keys, the rate limit, run slots, limits capped by the server's,
the metrics text, credentials parsing and the OpenAPI document's references."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path
from typing import Any

import pytest

from aixgo_cli.engine.run_limits import LimitOverrides
from aixgo_cli.errors import UserError
from aixgo_cli.events import LLMCalled, RunFinished, StepFinished
from aixgo_cli.serve.auth import credentials
from aixgo_cli.serve.keys import KeyStore, token_hash
from aixgo_cli.serve.limits import RateLimiter, RunSlots, retry_after_header
from aixgo_cli.serve.metrics import Metrics
from aixgo_cli.serve.openapi import openapi_document

LABEL = r'[a-z_]+="(?:[^"\\]|\\.)*"'
SAMPLE = re.compile(rf"^[a-z_]+(\{{{LABEL}(,{LABEL})*\}})? -?[0-9.e+-]+$")


def test_a_key_is_stored_hashed_in_a_private_file_and_verified(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys.json")
    token = store.create("ci", "runner", workflows=["echo"])
    text = (tmp_path / "keys.json").read_text()
    assert token.startswith("axk_") and len(token) > 40
    assert token not in text and token_hash(token) in text
    assert stat.S_IMODE((tmp_path / "keys.json").stat().st_mode) == 0o600
    principal = store.verify(token)
    assert principal is not None and (principal.name, principal.role, principal.workflows) == (
        "ci",
        "runner",
        ("echo",),
    )
    assert principal.may_run("echo") and not principal.may_run("other")
    assert store.verify(token[:-1] + ("A" if token[-1] != "A" else "B")) is None


def test_revoked_and_expired_keys_are_refused(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys.json")
    revoked = store.create("old", "admin")
    expired = store.create("short", "viewer", expires_in_s=-1)
    store.revoke("old")
    assert store.verify(revoked) is None and store.verify(expired) is None
    with pytest.raises(UserError, match="no active key"):
        store.revoke("old")
    assert {k.name: k.state(1e18) for k in store.load()} == {"old": "revoked", "short": "expired"}


def test_a_bad_role_or_name_is_refused(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys.json")
    with pytest.raises(UserError, match="not a role"):
        store.create("x", "root")  # type: ignore[arg-type]
    with pytest.raises(UserError, match="use letters"):
        store.create("a b", "viewer")


def test_the_rate_limit_is_a_token_bucket_per_key() -> None:
    now = [0.0]
    limiter = RateLimiter(2.0, 2, clock=lambda: now[0])
    assert [limiter.take("a"), limiter.take("a")] == [0.0, 0.0]
    wait = limiter.take("a")
    assert wait == pytest.approx(0.5) and retry_after_header(wait) == "1"
    assert limiter.take("b") == 0.0  # another key has its own bucket
    now[0] += 0.5
    assert limiter.take("a") == 0.0


def test_run_slots_per_key_and_in_all() -> None:
    slots = RunSlots(per_key=1, total=2)
    assert slots.acquire("a") is None
    assert "this key" in (slots.acquire("a") or "")
    assert slots.acquire("b") is None
    assert "at once" in (slots.acquire("c") or "")
    slots.release("a")
    assert slots.acquire("c") is None


def test_request_limits_are_capped_by_the_servers() -> None:
    ceiling = LimitOverrides(max_steps=10, max_cost_usd=1.0, timeout_s=60.0)
    asked = LimitOverrides(max_steps=50, max_tokens=100, timeout_s=5.0)
    assert asked.capped_by(ceiling) == LimitOverrides(max_steps=10, max_tokens=100, max_cost_usd=1.0, timeout_s=5.0)
    assert LimitOverrides().capped_by(ceiling) == ceiling


def test_metrics_are_valid_prometheus_text() -> None:
    metrics = Metrics()
    metrics.run_started()
    metrics.observe(StepFinished("r", 1.0, "u", "p", "a", False, 12.0, 10, 0.01, "x"))
    metrics.observe(LLMCalled("r", 1.0, "u", 'm"odel', False, 1, 5, 7, 0.002, 40.0))
    metrics.observe(RunFinished("r", 2.0, "completed", 12, 0.002, 1, 0, None))
    metrics.run_ended(1.5)
    metrics.refused("rate_limited")
    metrics.cert_expiry = 1900000000.0
    text = metrics.render()
    samples = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert all(SAMPLE.match(line) for line in samples), [s for s in samples if not SAMPLE.match(s)]
    assert 'aixgo_runs_finished_total{status="completed"} 1' in samples
    assert 'aixgo_model_calls_total{model="m\\"odel"} 1' in samples
    assert 'aixgo_tokens_total{kind="completion"} 7' in samples
    assert 'aixgo_model_call_duration_seconds_bucket{le="0.05"} 1' in samples
    assert "aixgo_rate_limited_total 1" in samples
    assert "aixgo_tls_certificate_expiry_timestamp_seconds 1900000000" in samples


def test_credentials_come_from_the_bearer_header_or_the_cookie() -> None:
    assert credentials({"authorization": "Bearer axk_1"}).token == "axk_1"
    cookie = credentials({"cookie": "theme=dark; aixgo_key=axk_2"})
    assert (cookie.token, cookie.via) == ("axk_2", "cookie")
    assert credentials({"authorization": "Basic xyz"}).via == "none"


def test_the_openapi_document_is_3_1_and_every_reference_resolves() -> None:
    document = openapi_document(["echo"])
    assert document["openapi"] == "3.1.0"
    refs = re.findall(r'"\$ref": "#/([^"]+)"', json.dumps(document))
    for ref in refs:
        node: Any = document
        for part in ref.split("/"):
            node = node[part]
    for path, item in document["paths"].items():
        for operation in item.values():
            assert operation["responses"], path
            for parameter in operation.get("parameters", []):
                assert parameter["in"] != "path" or "{" + parameter["name"] + "}" in path


def test_a_tool_schema_comes_from_the_declared_inputs_and_the_result_agents_schema(tmp_path: Path) -> None:
    from aixgo_cli.config.model import load_workflow
    from aixgo_cli.serve.mcp_tools import input_schema, output_schema

    path = tmp_path / "typed.yaml"
    path.write_text(
        "version: 1\nname: typed\n"
        "inputs:\n  count: {type: integer, required: true, description: How many.}\n"
        "  tone: {type: string, enum: [calm, loud], default: calm}\n"
        "model_services:\n  - name: m\n    provider: openai_compatible\n    model: x\n"
        "    api_base: http://127.0.0.1:9/v1\n    api_key_secret: K\n"
        "agents:\n  - name: first\n    role: react\n    model: m\n    prompt: '{{ input }}'\n"
        "  - name: last\n    role: react\n    model: m\n    inputs: [first]\n    prompt: '{{ input }}'\n"
        "    structured_output:\n      schema: {type: object, properties: {n: {type: integer}}, required: [n]}\n"
    )
    workflow = load_workflow(path)
    schema = input_schema(workflow)
    assert schema["required"] == ["count"] and schema["additionalProperties"] is False
    assert schema["properties"]["count"] == {"type": "integer", "description": "How many."}
    assert schema["properties"]["tone"] == {"type": "string", "enum": ["calm", "loud"], "default": "calm"}
    assert schema["properties"]["input"]["type"] == "string"
    expected = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    assert output_schema(workflow) == expected and json.dumps(output_schema(workflow)) == json.dumps(expected)
