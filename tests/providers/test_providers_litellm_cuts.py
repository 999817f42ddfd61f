"""The work aixgo switches off inside LiteLLM stays off, and its import switches leave no trace.

These tests are the upgrade alarm for `litellm_cuts` and `litellm_env`: they fail when a LiteLLM
release moves what is patched (the cut would silently stop saving anything) or starts reading a switch
after the import (the environment is restored, so it would fetch from the network)."""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from tests.providers.providers_helpers import SecretBook, ask

from aixgo_cli.providers import litellm_client, litellm_cuts
from aixgo_cli.providers.litellm_client import LiteLLMClient, load_litellm
from aixgo_cli.providers.litellm_env import IMPORT_SWITCHES
from aixgo_cli.providers.model_ref import ModelResolver
from aixgo_cli.providers.types import ChatMessage, ChatRequest, ToolCall, ToolSpec
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


def sent_bodies(stub: StubModelServer, monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, object, Any]]:
    """(body given to the SDK's transform, its type, what the cut returned) for a range of requests aixgo
    sends: plain, with a system prompt and tool history, tools with strict schemas, a response schema,
    sampling parameters, streamed."""
    completions = litellm_cuts.chat_completions_module()
    cut = completions.async_maybe_transform
    seen: list[tuple[Any, object, Any]] = []

    async def recording(data: Any, expected_type: object) -> Any:
        result = await cut(data, expected_type)
        seen.append((data, expected_type, result))
        return result

    monkeypatch.setattr(completions, "async_maybe_transform", recording)
    # Through the SDK, which is what the cut is in (a local server's plain requests take `hosted_vllm/`).
    monkeypatch.setattr(litellm_client, "wire_model", lambda resolved, with_tools: resolved.litellm_model)
    services = [{"name": "m", "provider": "openai", "model": "m", "api_base": stub.base_url, "api_key_secret": "K"}]
    client = LiteLLMClient(SecretBook({"K": "sk-cut"}), ModelResolver(services))
    strict_tool = ToolSpec(
        "lookup",
        "Look a word up",
        {
            "type": "object",
            "properties": {"word": {"type": "string"}},
            "required": ["word"],
            "additionalProperties": False,
        },
    )
    history = (
        ChatMessage("system", "Be brief."),
        ChatMessage("user", "Define 'durable' — with ünïcode"),
        ChatMessage("assistant", None, tool_calls=(ToolCall("call_1", "lookup", '{"word": "durable"}'),)),
        ChatMessage("tool", '{"meaning": "lasting"}', tool_call_id="call_1", name="lookup"),
    )
    schema = {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]}
    requests = [
        ask("hi", model="m"),
        ChatRequest(model="m", messages=history, tools=(strict_tool,), temperature=0.2, max_tokens=50),
        ChatRequest(model="m", messages=history[:2], response_schema=schema, params={"top_p": 0.5, "stop": ["END"]}),
        ChatRequest(
            model="m", messages=history[:2], structured_mode="native", response_schema=schema, params={"seed": 3}
        ),
    ]
    for request in requests:
        client.complete(request)
    client.complete(ask("streamed", model="m"), on_token=lambda text: None)
    return seen


def test_the_chat_body_cut_patches_what_the_sdk_still_has() -> None:
    load_litellm()
    completions = litellm_cuts.chat_completions_module()
    assert completions.async_maybe_transform is not litellm_cuts.replaced["async_maybe_transform"]
    source = inspect.getsource(completions.AsyncCompletions.create)
    assert "body=await async_maybe_transform(" in source
    assert "completion_create_params.CompletionCreateParamsNonStreaming" in source


def test_the_sdk_transform_leaves_the_bodies_aixgo_sends_as_they_are(
    stub: StubModelServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cut returns for each body what the SDK's own transform returns for it; so skipping the walk
    changes no byte of a request. Fails when an SDK release starts transforming chat parameters."""
    seen = sent_bodies(stub, monkeypatch)
    assert len(seen) == 5 and any(body.get("tools") for body, _, _ in seen)
    assert any(body.get("stream") is True for body, _, _ in seen)
    original = litellm_cuts.replaced["async_maybe_transform"]
    for body, expected_type, ours in seen:
        theirs = asyncio.run(original(body, expected_type))
        assert json.dumps(ours, sort_keys=True) == json.dumps(theirs, sort_keys=True)
        assert ours == theirs


def test_a_body_that_is_not_plain_json_is_left_to_the_sdk() -> None:
    load_litellm()
    completions = litellm_cuts.chat_completions_module()
    params = completions.completion_create_params.CompletionCreateParamsNonStreaming
    body = {"model": "m", "messages": ({"role": "user", "content": "tuple, not list"},)}
    transformed = asyncio.run(completions.async_maybe_transform(body, params))
    assert transformed["messages"] == [{"role": "user", "content": "tuple, not list"}]  # the SDK's own list()
    assert litellm_cuts.plain_json({"a": [1, 2.5, None, True, {"b": "c"}]})
    assert not litellm_cuts.plain_json({"a": (1,)}) and not litellm_cuts.plain_json({1: "x"})
