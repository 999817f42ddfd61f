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


# What each cut replaced, kept so a test can show the cut is what stops the work.
replaced: dict[str, Any] = {}


def apply_cuts(litellm: Any) -> None:
    logging = logging_class(litellm)
    replaced.setdefault("response_cost_calculator", logging.__dict__["response_cost_calculator"])
    logging.response_cost_calculator = _no_cost
