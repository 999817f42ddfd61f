"""Pattern name -> implementation. Patterns not yet available say so and name the ones that are."""

from __future__ import annotations

from aixgo_cli.errors import UserError
from aixgo_cli.patterns.base import Pattern
from aixgo_cli.patterns.parallel import run_parallel
from aixgo_cli.patterns.rag import run_rag
from aixgo_cli.patterns.sequential import run_sequential

PATTERNS: dict[str, Pattern] = {
    "sequential": run_sequential,
    "parallel": run_parallel,
    "rag": run_rag,
}


def pattern_for(name: str) -> Pattern:
    try:
        return PATTERNS[name]
    except KeyError:
        raise UserError(
            f"the {name} pattern cannot run in this version of aixgo",
            hint=f"patterns available to run: {', '.join(sorted(PATTERNS))}",
        ) from None
