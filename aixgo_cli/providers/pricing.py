"""Token prices from the offline price map that ships inside the litellm package, without importing litellm.

`import litellm` costs ~3 s; `aixgo models`, cost accounting and model-id checks need only the price
table, which litellm bundles as `model_prices_and_context_window_backup.json`. We locate the package
directory with `importlib.util.find_spec` (which does not execute the package) and parse the file once per
process. This is the same table litellm itself uses with `LITELLM_LOCAL_MODEL_COST_MAP=True`, so our costs
match its own.

Local runtimes (Ollama, vLLM, ...) cost nothing and say so (`known=True`); a model absent from the map
costs 0 with `known=False`, so budgets can tell "free" from "unknown".
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PRICE_MAP_FILE = "model_prices_and_context_window_backup.json"
FREE_PREFIXES = frozenset({"ollama", "ollama_chat", "hosted_vllm", "lm_studio", "llamafile"})


@dataclass(frozen=True)
class ModelPrice:
    name: str
    provider: str
    mode: str
    input_cost_per_token: float
    output_cost_per_token: float
    max_input_tokens: int | None
    max_output_tokens: int | None


def price_map_path() -> Path | None:
    spec = importlib.util.find_spec("litellm")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / PRICE_MAP_FILE
        if candidate.is_file():
            return candidate
    return None


@functools.cache
def load_price_map() -> Mapping[str, Mapping[str, Any]]:
    """The parsed price map (empty when litellm is not installed). Parsed once per process."""
    loaded = _litellm_local_map()
    if loaded is not None:
        return loaded
    path = price_map_path()
    if path is None:
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if isinstance(v, dict) and k != "sample_spec"}


def _litellm_local_map() -> dict[str, Mapping[str, Any]] | None:
    """The same file as LiteLLM already holds it parsed, once imported with its local map (aixgo's default):
    parsing the ~1 MB of JSON again would cost a run ~10-20 ms before its first request."""
    litellm = sys.modules.get("litellm")
    if litellm is None or os.environ.get("LITELLM_LOCAL_MODEL_COST_MAP", "").lower() != "true":
        return None
    cost = getattr(litellm, "model_cost", None)
    if not isinstance(cost, dict) or not cost:
        return None  # litellm still importing, or a version without the attribute: read the file
    return {k: v for k, v in cost.items() if isinstance(v, dict) and k != "sample_spec"}


@functools.cache
def known_providers() -> frozenset[str]:
    return frozenset(str(v.get("litellm_provider", "")) for v in load_price_map().values())


def _price(name: str, entry: Mapping[str, Any]) -> ModelPrice:
    def optional_int(key: str) -> int | None:
        value = entry.get(key)
        return int(value) if isinstance(value, int | float) else None

    return ModelPrice(
        name=name,
        provider=str(entry.get("litellm_provider", "")),
        mode=str(entry.get("mode", "")),
        input_cost_per_token=float(entry.get("input_cost_per_token") or 0.0),
        output_cost_per_token=float(entry.get("output_cost_per_token") or 0.0),
        max_input_tokens=optional_int("max_input_tokens"),
        max_output_tokens=optional_int("max_output_tokens"),
    )


def lookup(model: str) -> ModelPrice | None:
    """The price entry for a LiteLLM model id. The map keys some providers without their prefix
    (`gpt-4o-mini`, `claude-...`), so a prefixed id also matches an unprefixed key of that provider."""
    table = load_price_map()
    entry = table.get(model)
    if entry is not None:
        return _price(model, entry)
    prefix, _, rest = model.partition("/")
    if rest:
        entry = table.get(rest)
        if entry is not None and entry.get("litellm_provider") == prefix:
            return _price(rest, entry)
    return None


def cost_for(model: str, prompt_tokens: int, completion_tokens: int) -> tuple[float, bool]:
    """(USD, known) for one call. Unknown models cost 0 with known=False."""
    if model.partition("/")[0] in FREE_PREFIXES:
        return 0.0, True
    price = lookup(model)
    if price is None:
        return 0.0, False
    usd = prompt_tokens * price.input_cost_per_token + completion_tokens * price.output_cost_per_token
    return usd, True


def list_models(mode: str | None = "chat") -> list[ModelPrice]:
    """Every model in the map (of one `mode`, or all when None), sorted by provider then name."""
    prices = [_price(name, entry) for name, entry in load_price_map().items()]
    if mode is not None:
        prices = [p for p in prices if p.mode == mode]
    return sorted(prices, key=lambda p: (p.provider, p.name))
