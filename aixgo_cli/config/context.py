"""Shared state for the semantic checks: the data, name tables and an issue sink with positions.

The checks run even when the schema found problems, so every lookup here is defensive: a malformed entry
is skipped (the schema already reported it) rather than crashing the pass that reports everything else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aixgo_cli.schema.issues import Issue, PathPart, Severity
from aixgo_cli.schema.positions import position
from aixgo_cli.schema.yaml_loader import LoadedWorkflow


@dataclass
class Named:
    """An entry of a named list (agents, tools, ...) with its index in the file."""

    name: str
    index: int
    body: dict[str, Any]


def named_entries(data: Any, section: str) -> list[Named]:
    items = data.get(section) if isinstance(data, dict) else None
    if not isinstance(items, list):
        return []
    out = []
    for index, item in enumerate(items):
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            out.append(Named(item["name"], index, item))
    return out


@dataclass
class CheckContext:
    loaded: LoadedWorkflow
    issues: list[Issue] = field(default_factory=list)

    def __post_init__(self) -> None:
        data = self.loaded.data if isinstance(self.loaded.data, dict) else {}
        self.data: dict[str, Any] = data
        # Per-agent checks walk every entry, duplicates included, so a second `writer` does not hide the
        # mistakes of the first; name lookups resolve to the first entry of a name.
        self.all_agents: list[Named] = named_entries(data, "agents")
        self.agents: dict[str, Named] = {}
        for entry in self.all_agents:
            self.agents.setdefault(entry.name, entry)
        self.tools = {e.name: e for e in named_entries(data, "tools")}
        self.services = {e.name: e for e in named_entries(data, "model_services")}
        self.mcp_servers = {e.name: e for e in named_entries(data, "mcp_servers")}
        flows = data.get("flows")
        self.flows: dict[str, dict[str, Any]] = (
            {k: v for k, v in flows.items() if isinstance(v, dict)} if isinstance(flows, dict) else {}
        )
        inputs = data.get("inputs")
        self.declared_inputs: dict[str, Any] = inputs if isinstance(inputs, dict) else {}
        # Built once: checks ask for it per reference, and rebuilding it each time made validation
        # quadratic in the number of agents.
        names = set(self.agents) | set(self.flows)
        block = data.get("supervisor")
        if isinstance(block, dict) and isinstance(block.get("model"), str):
            names.add(str(block.get("name") or "supervisor"))
        self.members: frozenset[str] = frozenset(names)
        """Names a pattern may refer to: agents and flows, and the agent a top-level `supervisor:` block
        with a model defines."""
        self._targeted_by: dict[str, set[str]] | None = None

    def graph_sources(self, name: str) -> set[str]:
        """The agents that feed `name` in the agent graph: those listing it in `outputs`, and its `inputs`."""
        if self._targeted_by is None:
            # One pass over every agent's outputs, on first use, instead of one pass per question.
            self._targeted_by = {}
            for other in self.agents.values():
                outputs = other.body.get("outputs")
                for output in outputs if isinstance(outputs, list) else ():
                    target = ref_name(output, "target")
                    if target is not None:
                        self._targeted_by.setdefault(target, set()).add(other.name)
        found = set(self._targeted_by.get(name, ()))
        inputs = self.agents[name].body.get("inputs") if name in self.agents else None
        if isinstance(inputs, list):
            found.update(n for n in (ref_name(i, "source") for i in inputs) if n is not None)
        return found

    def report(
        self,
        severity: Severity,
        path: tuple[PathPart, ...],
        code: str,
        message: str,
        hint: str | None = None,
        *,
        at_key: bool = False,
    ) -> None:
        line, col, end = position(self.loaded.root, path, at_key=at_key)
        self.issues.append(
            Issue(
                file=self.loaded.file,
                line=line,
                column=col,
                severity=severity,
                code=code,
                message=message,
                hint=hint,
                path=path,
                end_column=end,
            )
        )

    def error(
        self, path: tuple[PathPart, ...], code: str, message: str, hint: str | None = None, *, at_key: bool = False
    ) -> None:
        self.report("error", path, code, message, hint, at_key=at_key)

    def warning(
        self, path: tuple[PathPart, ...], code: str, message: str, hint: str | None = None, *, at_key: bool = False
    ) -> None:
        self.report("warning", path, code, message, hint, at_key=at_key)


def ref_name(value: Any, key: str) -> str | None:
    """`a` or `{source: a}` / `{target: a}` -> `a`."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get(key), str):
        name: str = value[key]
        return name
    return None
