"""`aixgo models`: the bundled offline price map as a searchable catalog (no litellm import, no network)."""

from __future__ import annotations

from dataclasses import dataclass

from aixgo_cli.providers.pricing import load_price_map


@dataclass(frozen=True)
class CatalogEntry:
    model: str  # the id to write in a workflow's `model:` (provider prefix included)
    provider: str
    mode: str
    context_window: int | None
    max_output_tokens: int | None
    input_usd_per_million: float | None
    output_usd_per_million: float | None
    tools: bool
    structured_output: bool


def workflow_id(name: str, provider: str) -> str:
    """The map keys some models without their provider (`gpt-4o-mini`); workflows write the prefix."""
    prefix = provider.split("-", 1)[0]
    return name if not prefix or name.startswith(f"{prefix}/") else f"{prefix}/{name}"


def catalog(search: str | None = None, *, provider: str | None = None, mode: str | None = "chat") -> list[CatalogEntry]:
    """Entries whose id or provider contains every word of `search` (case-insensitive), sorted by id."""
    words = (search or "").lower().split()
    out = []
    for name, entry in load_price_map().items():
        family = str(entry.get("litellm_provider", ""))
        if mode is not None and entry.get("mode") != mode:
            continue
        if provider is not None and family.split("-", 1)[0] != provider:
            continue
        model = workflow_id(name, family)
        if not all(w in model.lower() or w in family.lower() for w in words):
            continue
        out.append(
            CatalogEntry(
                model=model,
                provider=family,
                mode=str(entry.get("mode", "")),
                context_window=_int(entry.get("max_input_tokens")),
                max_output_tokens=_int(entry.get("max_output_tokens")),
                input_usd_per_million=_per_million(entry.get("input_cost_per_token")),
                output_usd_per_million=_per_million(entry.get("output_cost_per_token")),
                tools=bool(entry.get("supports_function_calling")),
                structured_output=bool(entry.get("supports_response_schema")),
            )
        )
    return sorted(out, key=lambda e: e.model)


def _int(value: object) -> int | None:
    return int(value) if isinstance(value, int | float) else None


def _per_million(value: object) -> float | None:
    return round(float(value) * 1_000_000, 6) if isinstance(value, int | float) else None
