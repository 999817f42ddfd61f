"""Pattern name -> its definition. A pattern that cannot run yet is named, with the ones that can.

Adding a pattern is one module under `patterns/` exporting a `PatternDef` and one line here. A pattern's
module is imported only when a workflow uses it (start-up budget).
"""

from __future__ import annotations

from typing import Any

from aixgo_cli.errors import UserError
from aixgo_cli.lazy_registry import LazyRegistry
from aixgo_cli.patterns.base import PatternDef

PATTERNS: LazyRegistry[PatternDef[Any]] = LazyRegistry(
    {
        "sequential": "aixgo_cli.patterns.sequential:SEQUENTIAL",
        "parallel": "aixgo_cli.patterns.parallel:PARALLEL",
        "router": "aixgo_cli.patterns.router:ROUTER",
        "swarm": "aixgo_cli.patterns.swarm:SWARM",
        "hierarchical": "aixgo_cli.patterns.hierarchical:HIERARCHICAL",
        "rag": "aixgo_cli.patterns.rag:RAG",
        "reflection": "aixgo_cli.patterns.reflection:REFLECTION",
        "ensemble": "aixgo_cli.patterns.ensemble:ENSEMBLE",
        "supervisor": "aixgo_cli.patterns.supervisor:SUPERVISOR",
        "mapreduce": "aixgo_cli.patterns.mapreduce:MAPREDUCE",
        "aggregation": "aixgo_cli.patterns.aggregation:AGGREGATION",
        "classifier": "aixgo_cli.patterns.classifier:CLASSIFIER",
        "planning": "aixgo_cli.patterns.planning:PLANNING",
    }
)


def pattern_for(name: str) -> PatternDef[Any]:
    try:
        return PATTERNS[name]
    except KeyError:
        raise UserError(
            f"the {name} pattern cannot run in this version of aixgo",
            hint=f"patterns available to run: {', '.join(sorted(PATTERNS))}",
        ) from None
