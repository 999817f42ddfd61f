"""Pattern name -> its definition. A pattern that cannot run yet is named, with the ones that can.

Adding a pattern is one module under `patterns/` exporting a `PatternDef` and one line here.
"""

from __future__ import annotations

from typing import Any

from aixgo_cli.errors import UserError
from aixgo_cli.patterns.aggregation import AGGREGATION
from aixgo_cli.patterns.base import PatternDef
from aixgo_cli.patterns.classifier import CLASSIFIER
from aixgo_cli.patterns.ensemble import ENSEMBLE
from aixgo_cli.patterns.hierarchical import HIERARCHICAL
from aixgo_cli.patterns.mapreduce import MAPREDUCE
from aixgo_cli.patterns.parallel import PARALLEL
from aixgo_cli.patterns.planning import PLANNING
from aixgo_cli.patterns.rag import RAG
from aixgo_cli.patterns.reflection import REFLECTION
from aixgo_cli.patterns.router import ROUTER
from aixgo_cli.patterns.sequential import SEQUENTIAL
from aixgo_cli.patterns.supervisor import SUPERVISOR
from aixgo_cli.patterns.swarm import SWARM

PATTERNS: dict[str, PatternDef[Any]] = {
    "sequential": SEQUENTIAL,
    "parallel": PARALLEL,
    "router": ROUTER,
    "swarm": SWARM,
    "hierarchical": HIERARCHICAL,
    "rag": RAG,
    "reflection": REFLECTION,
    "ensemble": ENSEMBLE,
    "supervisor": SUPERVISOR,
    "mapreduce": MAPREDUCE,
    "aggregation": AGGREGATION,
    "classifier": CLASSIFIER,
    "planning": PLANNING,
}


def pattern_for(name: str) -> PatternDef[Any]:
    try:
        return PATTERNS[name]
    except KeyError:
        raise UserError(
            f"the {name} pattern cannot run in this version of aixgo",
            hint=f"patterns available to run: {', '.join(sorted(PATTERNS))}",
        ) from None
