"""`aixgo graph WORKFLOW`: the workflow as Mermaid, DOT or a terminal tree, optionally coloured by a run."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path

import typer

HELP = (
    "Draw a workflow: its agents and edges, or its orchestration pattern with nested flows as\n"
    "subgraphs. Mermaid (default; paste into Markdown), DOT (`| dot -Tsvg`), or a tree for the terminal.\n"
    "With --run RUN_ID each agent is coloured by its status in that run."
)


class GraphFormat(StrEnum):
    mermaid = "mermaid"
    dot = "dot"
    tree = "tree"


def graph(
    workflow: Path = typer.Argument(..., help="The workflow file."),
    output_format: GraphFormat = typer.Option(GraphFormat.mermaid, "--format", "-f", help="mermaid, dot or tree."),
    run_id: str | None = typer.Option(None, "--run", help="Colour each agent by its status in this run."),
    db: Path | None = typer.Option(None, "--db", help="Journal database (default: under AIXGO_HOME)."),
) -> int:
    from aixgo_cli.config.graph_view import build_graph
    from aixgo_cli.config.model import load_workflow
    from aixgo_cli.render.graph_text import to_dot, to_mermaid, to_tree
    from aixgo_cli.render.style import Style, color_enabled

    spec = load_workflow(workflow)
    statuses = _run_statuses(run_id, db) if run_id is not None else None
    drawn = build_graph(spec)
    if output_format is GraphFormat.dot:
        sys.stdout.write(to_dot(drawn, statuses))
    elif output_format is GraphFormat.tree:
        sys.stdout.write(to_tree(drawn, Style(color_enabled(sys.stdout)), statuses))
    else:
        sys.stdout.write(to_mermaid(drawn, statuses))
    return 0


def _run_statuses(run_id: str, db: Path | None) -> dict[str, str]:
    """Agent name -> completed | failed | running, from the run's units (several per agent when items)."""
    from aixgo_cli.wiring import open_journal

    with open_journal(db) as journal:
        run = journal.find_run(run_id)
        units = journal.list_units(run.run_id)
    seen: dict[str, set[str]] = {}
    for unit in units:
        agent = unit.place.rsplit("/", 1)[-1].rsplit(":", 1)[-1]
        seen.setdefault(agent, set()).add(unit.status)
    statuses = {}
    for agent, found in seen.items():
        statuses[agent] = "failed" if "failed" in found else "running" if "started" in found else "completed"
    return statuses
