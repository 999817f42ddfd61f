"""A `WorkflowGraph` as Mermaid, Graphviz DOT or an indented tree, optionally coloured by run status."""

from __future__ import annotations

import json
from collections.abc import Mapping

from aixgo_cli.config.graph_view import Cluster, Node, WorkflowGraph
from aixgo_cli.render.style import Style

# Status of an agent in a run -> (fill colour, text colour) for Mermaid and DOT.
STATUS_COLOURS = {
    "completed": ("#c8e6c9", "#1b5e20"),
    "failed": ("#ffcdd2", "#b71c1c"),
    "running": ("#fff9c4", "#f57f17"),
    "not run": ("#eeeeee", "#616161"),
}


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;")


def to_mermaid(graph: WorkflowGraph, statuses: Mapping[str, str] | None = None) -> str:
    lines = ["flowchart TD"]

    def cluster(c: Cluster, depth: int) -> None:
        pad = "  " * depth
        for node in c.nodes:
            lines.append(f'{pad}{node.id}["{_mermaid_text(_with_status(node, statuses))}"]')
        for inner in c.clusters:
            lines.append(f'{pad}subgraph {inner.id}["{_mermaid_text(inner.title)}"]')
            cluster(inner, depth + 1)
            lines.append(f"{pad}end")

    cluster(graph.root, 1)
    for edge in graph.edges:
        arrow = "-.->" if edge.dashed else "-->"
        label = f"|{_mermaid_text(edge.label)}|" if edge.label else ""
        lines.append(f"  {edge.source} {arrow}{label} {edge.target}")
    if statuses is not None:
        for status, (fill, text) in STATUS_COLOURS.items():
            lines.append(f"  classDef {_class(status)} fill:{fill},color:{text}")
        for node in graph.all_nodes():
            lines.append(f"  class {node.id} {_class(statuses.get(node.agent, 'not run'))}")
    return "\n".join(lines) + "\n"


def to_dot(graph: WorkflowGraph, statuses: Mapping[str, str] | None = None) -> str:
    lines = [f"digraph {json.dumps(graph.name)} {{", "  rankdir=TB;", "  node [shape=box, style=rounded];"]

    def cluster(c: Cluster, depth: int) -> None:
        pad = "  " * depth
        for node in c.nodes:
            attrs = f"label={json.dumps(_with_status(node, statuses))}"
            if statuses is not None:
                fill, text = STATUS_COLOURS[statuses.get(node.agent, "not run")]
                attrs += f', style="rounded,filled", fillcolor="{fill}", fontcolor="{text}"'
            lines.append(f"{pad}{node.id} [{attrs}];")
        for inner in c.clusters:
            lines.append(f"{pad}subgraph cluster_{inner.id} {{")
            lines.append(f"{pad}  label={json.dumps(inner.title)};")
            cluster(inner, depth + 1)
            lines.append(f"{pad}}}")

    cluster(graph.root, 1)
    for edge in graph.edges:
        attrs = []
        if edge.label:
            attrs.append(f"label={json.dumps(edge.label)}")
        if edge.dashed:
            attrs.append("style=dashed")
        suffix = f" [{', '.join(attrs)}]" if attrs else ""
        lines.append(f"  {edge.source} -> {edge.target}{suffix};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_tree(graph: WorkflowGraph, style: Style, statuses: Mapping[str, str] | None = None) -> str:
    """The clusters as an indented tree; each node lists where its output goes."""
    targets: dict[str, list[str]] = {}
    labels = {n.id: n.agent for n in graph.all_nodes()}
    for edge in graph.edges:
        shown = labels.get(edge.target, edge.target) + (f" [{edge.label}]" if edge.label else "")
        targets.setdefault(edge.source, []).append(("after: " if edge.dashed else "") + shown)
    lines = [style.bold(graph.name)]

    def cluster(c: Cluster, prefix: str) -> None:
        entries = c.children
        for index, entry in enumerate(entries):
            last = index == len(entries) - 1
            branch, deeper = ("└── ", "    ") if last else ("├── ", "│   ")
            if isinstance(entry, Cluster):
                lines.append(prefix + branch + style.cyan(entry.title))
                cluster(entry, prefix + deeper)
                continue
            text = _tree_status(entry, statuses, style) + entry.label
            if entry.id in targets:
                text += style.dim(" → " + ", ".join(targets[entry.id]))
            lines.append(prefix + branch + text)

    cluster(graph.root, "")
    return "\n".join(lines) + "\n"


def _with_status(node: Node, statuses: Mapping[str, str] | None) -> str:
    if statuses is None:
        return node.label
    return f"{node.label} [{statuses.get(node.agent, 'not run')}]"


def _tree_status(node: Node, statuses: Mapping[str, str] | None, style: Style) -> str:
    if statuses is None:
        return ""
    status = statuses.get(node.agent, "not run")
    paint = {"completed": style.cyan, "failed": style.red, "running": style.yellow}.get(status, style.dim)
    return paint(f"[{status}] ")


def _class(status: str) -> str:
    return "st_" + status.replace(" ", "_")
