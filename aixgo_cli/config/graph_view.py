"""The shape of a workflow as nodes, edges and nested clusters, for `aixgo graph`.

Built from the validated `Workflow`, so it shows what `run` will run: the agent graph of
`inputs`/`outputs`/`depends_on`, or the orchestration pattern with each flow it names as a nested cluster.
An agent used by several flows appears once in each (node ids are unique per place), so every renderer
(Mermaid, DOT, tree) can draw clusters without sharing nodes between them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from aixgo_cli.config.model import FlowSpec, Workflow

# Pattern config keys that name one member, in the order they read best ("classifier" before "routes").
ROLE_KEYS = (
    "classifier",
    "manager",
    "planner",
    "supervisor",
    "retriever",
    "reranker",
    "generator",
    "critic",
    "mapper",
    "reducer",
    "summarizer",
    "scorer",
    "entry",
    "default",
)
_PATTERN_CHAIN = ("sequential",)


@dataclass(frozen=True)
class Node:
    id: str
    agent: str  # the agent name (statuses are per agent)
    label: str


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str | None = None
    dashed: bool = False  # ordering only (depends_on), no data


@dataclass
class Cluster:
    id: str
    title: str
    children: list[Node | Cluster] = field(default_factory=list)  # in reading order

    @property
    def nodes(self) -> list[Node]:
        return [c for c in self.children if isinstance(c, Node)]

    @property
    def clusters(self) -> list[Cluster]:
        return [c for c in self.children if isinstance(c, Cluster)]


@dataclass
class WorkflowGraph:
    name: str
    root: Cluster
    edges: list[Edge] = field(default_factory=list)

    def all_nodes(self) -> list[Node]:
        out: list[Node] = []
        stack = [self.root]
        while stack:
            cluster = stack.pop()
            out.extend(cluster.nodes)
            stack.extend(cluster.clusters)
        return out


def node_id(*parts: str) -> str:
    return "__".join(re.sub(r"[^A-Za-z0-9_]", "_", p) for p in parts)


def agent_label(workflow: Workflow, name: str, role_in_pattern: str | None = None) -> str:
    spec = workflow.agents[name]
    detail = spec.role + (f", {spec.model}" if spec.model and spec.role not in ("producer", "logger") else "")
    prefix = f"{role_in_pattern}: " if role_in_pattern else ""
    return f"{prefix}{name} ({detail})"


def build_graph(workflow: Workflow) -> WorkflowGraph:
    graph = WorkflowGraph(workflow.name, Cluster("root", workflow.name))
    if workflow.orchestration is None:
        _agent_graph(workflow, graph)
        return graph
    in_flows = _members_deep(workflow, workflow.orchestration)
    outside = [name for name in workflow.agents if name not in in_flows]
    for name in outside:
        graph.root.children.append(Node(node_id(name), name, agent_label(workflow, name)))
    cluster, entry, exits = _flow_cluster(workflow, workflow.orchestration, "orchestration", graph, set())
    graph.root.children.append(cluster)
    for name in outside:
        role = workflow.agents[name].role
        if role == "producer":
            graph.edges.extend(Edge(node_id(name), e) for e in entry)
        elif role == "logger":
            graph.edges.extend(Edge(x, node_id(name)) for x in exits)
    return graph


def _agent_graph(workflow: Workflow, graph: WorkflowGraph) -> None:
    for name in workflow.agents:
        graph.root.children.append(Node(node_id(name), name, agent_label(workflow, name)))
    for name in workflow.agents:
        for source in workflow.data_sources(name):
            graph.edges.append(Edge(node_id(source), node_id(name)))
        for before in workflow.agents[name].depends_on:
            if before in workflow.agents:
                graph.edges.append(Edge(node_id(before), node_id(name), "after", dashed=True))


def _members_deep(workflow: Workflow, flow: FlowSpec, seen: frozenset[str] = frozenset()) -> set[str]:
    names = set(flow.members) | set(_config_refs(flow).values())
    out: set[str] = set()
    for name in names:
        if name in workflow.flows and name not in seen:
            out |= _members_deep(workflow, workflow.flows[name], seen | {name})
        else:
            out.add(name)
    return out


def _config_refs(flow: FlowSpec) -> dict[str, str]:
    """Each member the pattern's config names, keyed by its part ("classifier", "route billing", ...)."""
    refs: dict[str, str] = {}
    config = flow.config
    for key in ROLE_KEYS:
        value = config.get(key)
        if isinstance(value, str):
            refs[key] = value
    routes = config.get("routes")
    if isinstance(routes, dict):
        refs.update({f"route {label}": target for label, target in routes.items() if isinstance(target, str)})
    teams = config.get("teams")
    if isinstance(teams, dict):
        for team, workers in teams.items():
            for worker in workers if isinstance(workers, list) else ():
                refs[f"team {team}: {worker}"] = worker
    return refs


def _flow_cluster(
    workflow: Workflow, flow: FlowSpec, place: str, graph: WorkflowGraph, active: set[str]
) -> tuple[Cluster, list[str], list[str]]:
    """The cluster of one flow; returns it with its entry and exit node ids (for edges around it)."""
    cluster = Cluster(node_id(place), f"{flow.name}: {flow.pattern}")
    parts: list[tuple[str | None, str]] = [(part, name) for part, name in _config_refs(flow).items()]
    listed = {name for _, name in parts}
    parts += [(None, name) for name in flow.members if name not in listed or flow.pattern in _PATTERN_CHAIN]
    ids: dict[str, tuple[list[str], list[str]]] = {}
    for part, name in parts:
        if name in ids:
            continue
        if name in workflow.flows and name not in active:
            inner, entry, exits = _flow_cluster(
                workflow, workflow.flows[name], f"{place}/{name}", graph, active | {name}
            )
            if part:
                inner.title = f"{part}: {inner.title}"
            cluster.children.append(inner)
            ids[name] = (entry, exits)
        elif name in workflow.agents:
            nid = node_id(place, name)
            cluster.children.append(Node(nid, name, agent_label(workflow, name, part)))
            ids[name] = ([nid], [nid])
    _pattern_edges(flow, ids, graph)
    first = [i for name in flow.members[:1] for i in ids.get(name, ([], []))[0]]
    entry = first if flow.pattern in _PATTERN_CHAIN else [i for e, _ in ids.values() for i in e]
    last = [i for name in flow.members[-1:] for i in ids.get(name, ([], []))[1]]
    exits = last if flow.pattern in _PATTERN_CHAIN else [i for _, x in ids.values() for i in x]
    return cluster, entry, exits


def _pattern_edges(flow: FlowSpec, ids: dict[str, tuple[list[str], list[str]]], graph: WorkflowGraph) -> None:
    def link(a: str, b: str, label: str | None = None) -> None:
        for x in ids.get(a, ([], []))[1]:
            for y in ids.get(b, ([], []))[0]:
                graph.edges.append(Edge(x, y, label))

    config = flow.config
    if flow.pattern in _PATTERN_CHAIN:
        for a, b in zip(flow.members, flow.members[1:], strict=False):
            link(a, b)
    routes = config.get("routes")
    classifier = config.get("classifier")
    if isinstance(routes, dict) and isinstance(classifier, str):
        for label, target in routes.items():
            link(classifier, target, str(label))
        if isinstance(config.get("default"), str):
            link(classifier, config["default"], "default")
    for a, b in (("retriever", "generator"), ("generator", "critic"), ("mapper", "reducer"), ("reranker", "generator")):
        if isinstance(config.get(a), str) and isinstance(config.get(b), str):
            link(config[a], config[b])
    teams = config.get("teams")
    manager = config.get("manager")
    if isinstance(teams, dict) and isinstance(manager, str):
        for workers in teams.values():
            for worker in workers if isinstance(workers, list) else ():
                link(manager, worker)
