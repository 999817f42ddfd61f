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

    @property
    def members(self) -> set[str]:
        """Names a pattern may refer to: agents and flows, and the agent a top-level `supervisor:` block
        with a model defines."""
        names = set(self.agents) | set(self.flows)
        block = self.data.get("supervisor")
        if isinstance(block, dict) and isinstance(block.get("model"), str):
            names.add(str(block.get("name") or "supervisor"))
        return names

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
