"""`aixgo models [SEARCH]`: models LiteLLM knows, with prices, from the bundled offline price map."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict

import typer

HELP = (
    "List the models in LiteLLM's bundled offline price map (no network, no key): the id to write in\n"
    "`model:`, provider, context window, USD per million input/output tokens, and whether the model\n"
    "supports tool calls and structured output. SEARCH keeps models whose id or provider contains\n"
    "every word of it (`aixgo models claude haiku`)."
)


def models(
    search: list[str] = typer.Argument(None, metavar="[SEARCH...]", help="Words the id or provider must contain."),
    provider: str | None = typer.Option(None, "--provider", "-p", help="Only this provider (openai, anthropic, ...)."),
    mode: str = typer.Option("chat", "--mode", help="chat (default), embedding, ..., or all."),
    json_out: bool = typer.Option(False, "--json", help="JSON lines, one model each."),
) -> int:
    from aixgo_cli.errors import UserError
    from aixgo_cli.providers.model_catalog import catalog
    from aixgo_cli.providers.pricing import price_map_path

    if price_map_path() is None:
        raise UserError("LiteLLM's price map was not found", hint="reinstall aixgo with its dependencies")
    entries = catalog(" ".join(search or []), provider=provider, mode=None if mode == "all" else mode)
    if json_out:
        for entry in entries:
            sys.stdout.write(json.dumps(asdict(entry)) + "\n")
        return 0
    if not entries:
        sys.stderr.write("no model matches; try fewer words, or --mode all\n")
        return 0
    rows = [("MODEL", "PROVIDER", "CONTEXT", "IN $/1M", "OUT $/1M", "TOOLS", "JSON")]
    for e in entries:
        rows.append(
            (
                e.model,
                e.provider,
                f"{e.context_window:,}" if e.context_window else "-",
                _usd(e.input_usd_per_million),
                _usd(e.output_usd_per_million),
                "yes" if e.tools else "-",
                "yes" if e.structured_output else "-",
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        sys.stdout.write(
            "  ".join(c.rjust(widths[i]) if 2 <= i <= 4 else c.ljust(widths[i]) for i, c in enumerate(row)).rstrip()
            + "\n"
        )
    sys.stderr.write(f"{len(entries)} model{'s' * (len(entries) != 1)}; prices from LiteLLM's bundled map\n")
    return 0


def _usd(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}" if value >= 0.01 or value == 0 else f"{value:.4f}"
