"""The work aixgo switches off inside LiteLLM stays off, and its import switches leave no trace.

These tests are the upgrade alarm for `litellm_cuts` and `litellm_env`: they fail when a LiteLLM
release moves what is patched (the cut would silently stop saving anything) or starts reading a switch
after the import (the environment is restored, so it would fetch from the network)."""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from tests.providers.providers_helpers import SecretBook, ask

from aixgo_cli.providers import litellm_cuts
from aixgo_cli.providers.litellm_client import LiteLLMClient, load_litellm
from aixgo_cli.providers.litellm_env import IMPORT_SWITCHES
from aixgo_cli.providers.model_ref import ModelResolver
from aixgo_cli.testing.stub_model_server import StubModelServer

REPO = Path(__file__).resolve().parents[2]


def adapter(stub: StubModelServer) -> LiteLLMClient:
    services = [
        {
            "name": "priced",
            "provider": "openai",
            "model": "gpt-4o-mini",
            "api_base": stub.base_url,
            "pricing": {"input_per_million": 1.0, "output_per_million": 2.0},
        }
    ]
    return LiteLLMClient(SecretBook({}), ModelResolver(services))


def counting_cost(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Count LiteLLM's own cost computations (both names it is reached by)."""
    litellm = load_litellm()
    calls: list[Any] = []
    original = litellm.cost_calculator.completion_cost

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs.get("model"))
        return original(*args, **kwargs)

    monkeypatch.setattr(litellm.cost_calculator, "completion_cost", counted)
    monkeypatch.setattr(litellm, "completion_cost", counted)
    return calls


def test_the_cost_cut_patches_what_litellm_still_has() -> None:
    logging = litellm_cuts.logging_class(load_litellm())
    original = litellm_cuts.replaced["response_cost_calculator"]
    assert logging.response_cost_calculator is litellm_cuts._no_cost
    # The replacement accepts what LiteLLM passes to the original.
    assert list(inspect.signature(original).parameters) == list(inspect.signature(litellm_cuts._no_cost).parameters)


def test_litellm_prices_no_reply_while_aixgo_still_does(stub: StubModelServer, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = counting_cost(monkeypatch)
    response = adapter(stub).complete(ask("hi", model="priced"))
    streamed = adapter(stub).complete(ask("hi", model="priced"), on_token=lambda text: None)
    assert calls == []
    for reply in (response, streamed):  # aixgo's own price, from the usage and the declared prices
        assert reply.usage.cost_known and reply.usage.cost_usd > 0


def test_without_the_cut_litellm_would_price_every_reply(
    stub: StubModelServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The probe above can fail: with LiteLLM's calculator back, the same call is priced by LiteLLM."""
    calls = counting_cost(monkeypatch)
    logging = litellm_cuts.logging_class(load_litellm())
    monkeypatch.setattr(logging, "response_cost_calculator", litellm_cuts.replaced["response_cost_calculator"])
    adapter(stub).complete(ask("hi", model="priced"))
    assert calls != []


FRESH_IMPORT = """
import json, os, sys
sys.path.insert(0, sys.argv[1])
from tests.support.network_guard import NetworkGuard
with NetworkGuard() as guard:
    from aixgo_cli.providers.litellm_client import load_litellm, warm_up
    litellm = load_litellm()
    warm_up()
    from litellm.anthropic_beta_headers_manager import _load_beta_headers_config
    _load_beta_headers_config()  # what an Anthropic model's first call reads
    from litellm.litellm_core_utils.get_model_cost_map import _cost_map_source_info
print(json.dumps({
    "left": sorted(k for k in os.environ if k.startswith("LITELLM")),
    "refused": guard.refused,
    "price_map": _cost_map_source_info.source,
}))
"""


def fresh_import(cwd: Path, **user_env: str) -> dict[str, Any]:
    """What FRESH_IMPORT saw in a new interpreter whose environment has none of the import switches but
    `user_env`."""
    env = {k: v for k, v in os.environ.items() if k not in IMPORT_SWITCHES}
    env.update(PYTHONPATH=str(REPO), **user_env)
    done = subprocess.run(
        [sys.executable, "-c", FRESH_IMPORT, str(REPO)],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    seen: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return seen


@pytest.mark.slow  # a fresh interpreter imports LiteLLM
def test_the_import_switches_are_not_left_behind_and_nothing_is_fetched(tmp_path: Path) -> None:
    assert fresh_import(tmp_path) == {"left": [], "refused": [], "price_map": "local"}


@pytest.mark.slow
def test_a_switch_the_user_set_is_kept_as_set(tmp_path: Path) -> None:
    assert fresh_import(tmp_path, LITELLM_MODE="PRODUCTION")["left"] == ["LITELLM_MODE"]
