"""Costs from litellm's bundled offline price map, read without importing litellm."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from aixgo_cli.providers import pricing

REPO = Path(__file__).resolve().parents[2]


def test_known_model_has_a_cost() -> None:
    usd, known = pricing.cost_for("openai/gpt-4o-mini", 1000, 1000)
    price = pricing.lookup("openai/gpt-4o-mini")
    assert known is True
    assert price is not None and price.provider == "openai"
    assert usd == pytest.approx(1000 * price.input_cost_per_token + 1000 * price.output_cost_per_token)
    assert usd > 0


def test_prefixed_key_in_the_map_is_found_as_is() -> None:
    gemini = [p for p in pricing.list_models() if p.provider == "gemini" and p.name.startswith("gemini/")]
    assert gemini, "the bundled map lists gemini models with their prefix"
    assert pricing.lookup(gemini[0].name) == gemini[0]


def test_unknown_model_costs_nothing_and_says_unknown() -> None:
    assert pricing.cost_for("openai/no-such-model-xyz", 1000, 1000) == (0.0, False)


def test_prefix_must_match_the_provider_of_an_unprefixed_key() -> None:
    # gpt-4o-mini is an OpenAI entry; under another provider's prefix it is not the same model
    assert pricing.lookup("anthropic/gpt-4o-mini") is None


def test_local_runtimes_are_free_and_known() -> None:
    assert pricing.cost_for("ollama_chat/llama3", 500, 500) == (0.0, True)
    assert pricing.cost_for("hosted_vllm/qwen", 500, 500) == (0.0, True)


def test_list_models_is_sorted_chat_models_without_the_sample_entry() -> None:
    models = pricing.list_models()
    assert len(models) > 100
    assert all(m.mode == "chat" for m in models)
    assert "sample_spec" not in {m.name for m in models}
    assert models == sorted(models, key=lambda m: (m.provider, m.name))
    assert len(pricing.list_models(mode=None)) > len(models)


def test_the_map_is_parsed_once_per_process() -> None:
    assert pricing.load_price_map() is pricing.load_price_map()


@pytest.mark.slow
def test_importing_and_using_the_provider_layer_does_not_import_litellm() -> None:
    code = """
import json, sys
from aixgo_cli.providers import cassette, circuit_breaker, litellm_client, model_ref, pricing
from aixgo_cli.providers import protocol, rate_limit, retry, stack, types
from aixgo_cli.testing import fake_client, stub_model_server
usd, known = pricing.cost_for("openai/gpt-4o-mini", 10, 10)
model_ref.resolve_model("fireworks_ai/x")  # consults the price map's provider list
print(json.dumps({"known": known, "usd": usd,
                  "loaded": sorted(m for m in ("litellm", "openai", "httpx") if m in sys.modules)}))
"""
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    report = json.loads(result.stdout)
    assert report["known"] is True and report["usd"] > 0
    assert report["loaded"] == []
