"""The tool-source port: where an agent's tools come from, opened once per run and closed in `finally`.

A source answers for the tool names it owns: the workflow's own `tools:` entries (built by the type
registry in toolbox.py) or MCP servers (mcp_source.py). `ToolSources` asks each source in turn, so an
agent gets exactly the tools it lists, whichever source supplies them, and a name no source supplies is
a clear error. Adding a source is one module with a class of this shape and one line in `wiring.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from aixgo_cli.config.model import AgentSpec, Workflow
from aixgo_cli.errors import UserError
from aixgo_cli.tools.base import Tool, ToolContext
from aixgo_cli.tools.limits import RateLimiter, bounded
from aixgo_cli.tools.toolbox import TOOL_TYPES, build_tool


class ToolSource(Protocol):
    def open(self) -> None:
        """Start what the source needs (processes, sessions) and discover its tools."""

    def owns(self, name: str) -> bool:
        """Whether a tool name an agent lists is this source's to supply."""

    def tools_for(self, spec: AgentSpec) -> dict[str, Tool]:
        """The tools of this source that the agent lists, by name."""

    def close(self) -> None:
        """Stop everything `open` started; called once, even after a failure."""


SourceFactory = Callable[[Workflow, ToolContext], ToolSource]


def run_tool_context(
    workflow: Workflow, resolve_secret: Callable[[str], str], run_workspace: Path | None
) -> ToolContext:
    """The context tools of one run are built in: its secrets, its own workspace, and the files that stay
    read-only to tools wherever they work (the workflow file and the files its producers read)."""
    read_by_producers = [
        workflow.base_dir / str(agent.config["file"])
        for agent in workflow.agents.values()
        if agent.role == "producer" and agent.config.get("file")
    ]
    protected = (*([workflow.path] if workflow.path else []), *read_by_producers)
    return ToolContext(workflow.base_dir, resolve_secret, run_workspace=run_workspace, protected_files=protected)


class WorkflowTools:
    """The workflow's `tools:` entries, each built by the factory registered for its type."""

    def __init__(self, workflow: Workflow, context: ToolContext) -> None:
        self.workflow = workflow
        self.context = context
        self._built: list[Tool] = []

    def open(self) -> None:
        return None

    def owns(self, name: str) -> bool:
        return ":" not in name

    def tools_for(self, spec: AgentSpec) -> dict[str, Tool]:
        tools: dict[str, Tool] = {}
        for ref in spec.tools:
            if not self.owns(ref.name):
                continue
            definition = self.workflow.tools.get(ref.name)
            if definition is not None and str(definition.get("type")) not in TOOL_TYPES:
                continue  # a type built above this layer (retrieval: it needs the run's knowledge indexes)
            if definition is None:
                raise UserError(
                    f"agent '{spec.name}' declares tool '{ref.name}' inline, but no top-level tool implements it",
                    hint="add it under tools: with type: python and callable: module:function",
                )
            tools[ref.name] = build_tool(definition, self.context)
        self._built.extend(tools.values())
        return tools

    def close(self) -> None:
        while self._built:
            tool = self._built.pop()
            if tool.close is not None:
                tool.close()


class ToolSources:
    """Every source of one run, behind one door."""

    def __init__(self, sources: Sequence[ToolSource]) -> None:
        self.sources = list(sources)
        self._opened: list[ToolSource] = []
        self._limiters: dict[str, RateLimiter] = {}

    def open(self) -> None:
        for source in self.sources:
            self._opened.append(source)
            source.open()

    def tools_for(self, spec: AgentSpec) -> dict[str, Tool]:
        tools: dict[str, Tool] = {}
        for source in self.sources:
            tools.update(source.tools_for(spec))
        for ref in spec.tools:
            if ref.name not in tools and not any(s.owns(ref.name) for s in self.sources):
                raise UserError(
                    f"agent '{spec.name}' lists tool '{ref.name}', which no tool source supplies",
                    hint="define it under tools:, or name an MCP tool as SERVER:TOOL",
                )
        return {name: bounded(tool, self._limiter(tool)) for name, tool in tools.items()}

    def _limiter(self, tool: Tool) -> RateLimiter | None:
        """One limiter per tool for the whole run, shared by every agent that lists the tool."""
        if tool.rate_limit is None:
            return None
        return self._limiters.setdefault(tool.name, RateLimiter(tool.rate_limit.requests_per_minute))

    def close(self) -> None:
        while self._opened:
            self._opened.pop().close()
