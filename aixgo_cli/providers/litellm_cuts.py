"""Per-call work LiteLLM does that aixgo does not use, switched off once, right after the import.

Pinned to LiteLLM 1.106.2 (see docs/dependencies.md); `tests/providers/test_providers_litellm_cuts.py`
fails when an upgrade moves what is patched here, so a cut can never silently stop working or break.

* LiteLLM prices every response itself (`Logging.response_cost_calculator`, called by
  `update_response_metadata` for `_hidden_params["response_cost"]` on each reply, and by its logging):
  a model-info lookup and a cost computation, ~16% of a call's CPU here. aixgo prices calls from the
  usage it reads (`endpoints.call_cost`) and never reads LiteLLM's figure, so the calculator answers
  "unknown" (None), which every LiteLLM caller of it already handles (it treats None as no cost).
  `stream_chunk_builder` prices an assembled stream through the model map unless it is given the
  stream's logging object; the adapter passes it, so streamed replies are not priced either.
* The OpenAI SDK (which LiteLLM sends OpenAI and OpenAI-compatible requests through) walks every request
  body against its TypedDict of chat parameters (`async_maybe_transform`), by type introspection, to rename
  aliased keys, format dates and files and dump pydantic models: ~23% of a call's CPU on the loop. The chat
  parameters have no alias and no format, and the body LiteLLM builds from aixgo's request is plain JSON
  values, so the walk returns what it was given minus the parameters left unset. The cut returns exactly
  that for a plain body and hands anything else to the SDK; the test compares both on the bodies aixgo
  sends, so an SDK release that starts transforming chat parameters fails it.
"""

from __future__ import annotations

from typing import Any


def _no_cost(
    self: Any,
    result: object,
    cache_hit: bool | None = None,
    litellm_model_name: str | None = None,
    router_model_id: str | None = None,
) -> None:
    """LiteLLM's own price of a response: not computed (aixgo prices calls itself); None is "unknown"."""


def logging_class(litellm: Any) -> Any:
    """LiteLLM's per-call `Logging` class (loaded with the package; only `litellm_client` imports it)."""
    return litellm.litellm_core_utils.litellm_logging.Logging


_PLAIN_LEAVES = (str, int, float, bool, type(None))


def plain_json(value: object) -> bool:
    """Only dicts with string keys, lists and JSON scalars (what the SDK's transform leaves alone)."""
    kind = type(value)
    if kind is dict:
        return all(type(key) is str and plain_json(item) for key, item in value.items())  # type: ignore[attr-defined]
    if kind is list:
        return all(plain_json(item) for item in value)  # type: ignore[attr-defined]
    return kind in _PLAIN_LEAVES


def _chat_body_cut(original: Any, chat_params: tuple[object, ...], is_given: Any) -> Any:
    async def plain_or_transformed(data: object, expected_type: object) -> Any:
        if expected_type in chat_params and type(data) is dict:
            given = {key: value for key, value in data.items() if is_given(value)}
            if plain_json(given):
                return given
        return await original(data, expected_type)

    return plain_or_transformed


def chat_completions_module() -> Any:
    """The OpenAI SDK module whose `create` transforms the chat request body."""
    from openai.resources.chat.completions import completions

    return completions


# What each cut replaced, kept so a test can show the cut is what stops the work.
replaced: dict[str, Any] = {}


def apply_cuts(litellm: Any) -> None:
    logging = logging_class(litellm)
    replaced.setdefault("response_cost_calculator", logging.__dict__["response_cost_calculator"])
    logging.response_cost_calculator = _no_cost
    _cut_chat_body_transform()


def _cut_chat_body_transform() -> None:
    from openai._utils import is_given

    completions = chat_completions_module()
    params = completions.completion_create_params
    original = replaced.setdefault("async_maybe_transform", completions.async_maybe_transform)
    chat_params = (params.CompletionCreateParamsStreaming, params.CompletionCreateParamsNonStreaming)
    completions.async_maybe_transform = _chat_body_cut(original, chat_params, is_given)
