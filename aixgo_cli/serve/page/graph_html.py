"""A workflow's graph as nested HTML lists, coloured by one run's statuses (what `aixgo graph --run` draws).

Server-rendered markup rather than Mermaid or an SVG layout: it needs no JavaScript library, reads well in
a screen reader (each agent says its status in words, not only in colour) and shows the same clusters and
edges as `aixgo graph --format tree`.
"""

from __future__ import annotations

from collections.abc import Mapping

from aixgo_cli.config.graph_view import Cluster, WorkflowGraph
from aixgo_cli.serve.page.html import esc


def graph_html(graph: WorkflowGraph, statuses: Mapping[str, str]) -> str:
    labels = {node.id: node.agent for node in graph.all_nodes()}
    targets: dict[str, list[str]] = {}
    for edge in graph.edges:
        shown = labels.get(edge.target, edge.target) + (f" [{edge.label}]" if edge.label else "")
        targets.setdefault(edge.source, []).append(("after: " if edge.dashed else "") + shown)

    def cluster(c: Cluster) -> str:
        items: list[str] = []
        for entry in c.children:
            if isinstance(entry, Cluster):
                items.append(f"<li><section><h3>{esc(entry.title)}</h3>{cluster(entry)}</section></li>")
                continue
            status = statuses.get(entry.agent, "not run")
            goes = f' <span class="to">→ {esc(", ".join(targets[entry.id]))}</span>' if entry.id in targets else ""
            items.append(
                f'<li class="node st-{esc(status.replace(" ", "-"))}" data-agent="{esc(entry.agent)}">'
                f"{esc(entry.label)} <strong>[{esc(status)}]</strong>{goes}</li>"
            )
        return f"<ul>{''.join(items)}</ul>"

    return f'<div class="graph" id="graph" role="group" aria-label="Workflow graph">{cluster(graph.root)}</div>'
