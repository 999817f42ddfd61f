"""The typed, frozen view of a validated workflow that the engine runs.

Only `load_workflow` builds it, and only from a file that passed validation, so the engine never meets a
malformed value. Role-specific blocks stay as plain mappings (`AgentSpec.config`): each role module
reads its own block with its own frozen config class. Every agent carries a definition hash, the part
of a journal unit key that changes when the agent's configuration changes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from aixgo_cli.config.durations import optional_duration
from aixgo_cli.config.orchestration_checks import block_members
from aixgo_cli.config.session_spec import SessionSpec, session_spec
from aixgo_cli.config.supervisor import supervisor_agent, supervisor_defaults
from aixgo_cli.config.template_refs import TemplateReads, reads_of
from aixgo_cli.config.validate import ValidationReport, validate_bytes, validate_path
from aixgo_cli.errors import UserError

ROLE_BLOCK_KEYS = (
    "classifier_config",
    "aggregator_config",
    "planner_config",
    "producer_config",
    "logger_config",
    "react_config",
    "guided_config",
)


def stable_hash(value: Any) -> str:
    """A short, stable digest of JSON-able data (sorted keys), used in unit keys."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _frozen(mapping: dict[str, Any] | None) -> MappingProxyType[str, Any]:
    return MappingProxyType(dict(mapping or {}))


def _names(values: Any, key: str) -> tuple[str, ...]:
    out = []
    for value in values or ():
        out.append(value if isinstance(value, str) else value[key])
    return tuple(out)


@dataclass(frozen=True)
class ToolRef:
    name: str
    description: str | None = None
    input_schema: MappingProxyType[str, Any] | None = None


@dataclass(frozen=True)
class AgentSpec:
    name: str
    role: str
    model: str | None
    prompt: str | None
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    depends_on: tuple[str, ...]
    tools: tuple[ToolRef, ...]
    mcp_servers: tuple[str, ...]
    parameters: MappingProxyType[str, Any]
    structured_output: MappingProxyType[str, Any] | None
    retry: MappingProxyType[str, Any]
    timeout_s: float | None
    concurrency: int | None
    config: MappingProxyType[str, Any]  # the role's own block (e.g. producer_config), possibly empty
    guided: MappingProxyType[str, Any]
    definition_hash: str
    raw: MappingProxyType[str, Any] = field(repr=False)
    description: str | None = None  # what the agent does; patterns show it to members choosing among agents
    incomplete_reply: str = "warn"  # a reply cut off at max_tokens: keep it with a warning, or fail
    prompt_injection: MappingProxyType[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    # What its templates (prompt, verification prompt) read, analysed once when the workflow loads.
    reads: TemplateReads = field(default_factory=TemplateReads, repr=False)


@dataclass(frozen=True)
class FlowSpec:
    """An orchestration block: the root one (name 'orchestration') or a named flow.

    `members` are the block's `agents:` list; `names` is every agent or flow the block refers to,
    config keys included (a router's routes, a planning flow's planner). `config` is the pattern's block
    as written, with the top-level `supervisor:` defaults filled in for the supervisor pattern; each
    pattern reads it into its own frozen config when a run starts."""

    name: str
    pattern: str
    members: tuple[str, ...]
    config: MappingProxyType[str, Any]
    names: tuple[str, ...] = ()
    description: str | None = None
    timeout_s: float | None = None  # `config.timeout` where the pattern has one: a bound on the whole flow


@dataclass(frozen=True)
class Limits:
    max_steps: int | None = None
    max_tokens: int | None = None
    max_cost_usd: float | None = None
    timeout_s: float | None = None
    max_concurrency: int | None = None
    max_tool_calls_per_turn: int = 16
    max_tool_calls_per_step: int = 64
    max_tool_result_bytes: int = 64 * 1024


@dataclass(frozen=True)
class Workflow:
    name: str
    path: Path | None
    base_dir: Path
    text_hash: str
    agents: MappingProxyType[str, AgentSpec]
    orchestration: FlowSpec | None
    flows: MappingProxyType[str, FlowSpec]
    model_services: MappingProxyType[str, MappingProxyType[str, Any]]
    mcp_servers: MappingProxyType[str, MappingProxyType[str, Any]]
    tools: MappingProxyType[str, MappingProxyType[str, Any]]
    inputs: MappingProxyType[str, MappingProxyType[str, Any]]
    limits: Limits
    raw: MappingProxyType[str, Any] = field(repr=False)
    session: SessionSpec | None = None
    # The agent a top-level `supervisor:` block with a model defines: it runs only when a supervisor
    # pattern asks it, never as a step of the agent graph.
    supervisor_agent: str | None = None
    # The `knowledge:` indexes by name, as written (the knowledge package reads them into its own spec).
    knowledge: MappingProxyType[str, MappingProxyType[str, Any]] = field(
        default_factory=lambda: MappingProxyType({}), repr=False
    )

    def agent_order(self) -> list[str]:
        """Agents in an order where every upstream (edge or depends_on) comes first; file order on ties."""
        preds = self.predecessors()
        order: list[str] = []
        placed: set[str] = set()
        names = list(self.agents)
        while len(order) < len(names):
            for name in names:
                if name not in placed and preds[name] <= placed:
                    order.append(name)
                    placed.add(name)
                    break
            else:  # pragma: no cover - validation rejects cycles
                raise UserError("the agent graph has a cycle")
        return order

    def predecessors(self) -> dict[str, set[str]]:
        """Upstream agents of each agent: data edges (inputs/outputs) and ordering (depends_on)."""
        preds: dict[str, set[str]] = {name: set() for name in self.agents}
        for agent in self.agents.values():
            for target in agent.outputs:
                if target in preds:
                    preds[target].add(agent.name)
            for source in agent.inputs:
                if source in self.agents:
                    preds[agent.name].add(source)
            preds[agent.name].update(d for d in agent.depends_on if d in self.agents)
        return preds

    def data_sources(self, name: str) -> list[str]:
        """Upstream agents whose output this agent receives (not depends_on), in file order."""
        sources = {s for s in self.agents[name].inputs if s in self.agents}
        sources |= {a.name for a in self.agents.values() if name in a.outputs}
        return [n for n in self.agents if n in sources]


def load_workflow(path: Path | None, *, raw: bytes | None = None, display_name: str | None = None) -> Workflow:
    """Validate and build. Raises UserError (exit 2) carrying every problem when the file is invalid."""
    if raw is not None:
        report = validate_bytes(raw, display_name or "<stdin>")
    else:
        assert path is not None
        if not path.is_file():
            raise UserError(
                f"cannot read the workflow {path}: no such file",
                hint="check the path; list examples with: ls workflows/",
            )
        report = validate_path(path, display_name or str(path))
    if not report.ok:
        raise InvalidWorkflow(report)
    data: dict[str, Any] = report.loaded.data
    text_hash = hashlib.sha256(report.loaded.text.encode("utf-8")).hexdigest()[:16]
    return _build(data, path, text_hash)


class InvalidWorkflow(UserError):
    """The workflow did not validate; `report` holds every issue for the renderer."""

    def __init__(self, report: ValidationReport) -> None:
        count = len(report.errors)
        super().__init__(
            f"{report.loaded.file} is not a valid workflow ({count} error{'s' * (count != 1)})",
            hint=f"see the problems above, or run: aixgo validate {report.loaded.file}",
        )
        self.report = report


def _build(data: dict[str, Any], path: Path | None, text_hash: str) -> Workflow:
    services = {s["name"]: _frozen(s) for s in data.get("model_services", [])}
    tools = {t["name"]: _frozen(t) for t in data.get("tools", [])}
    agents: dict[str, AgentSpec] = {}
    for body in data["agents"]:
        agents[body["name"]] = _agent(body, services, tools)
    supervisor = data.get("supervisor") or {}
    implicit = None
    if supervisor.get("model"):
        spec = supervisor_agent(supervisor)
        agents[spec["name"]] = _agent(spec, services, tools)
        implicit = spec["name"]
    flows = {name: _flow(name, body, supervisor) for name, body in data.get("flows", {}).items()}
    orchestration = _flow("orchestration", data["orchestration"], supervisor) if "orchestration" in data else None
    limits_raw = data.get("limits", {})
    limits = Limits(
        max_steps=limits_raw.get("max_steps"),
        max_tokens=limits_raw.get("max_tokens"),
        max_cost_usd=limits_raw.get("max_cost_usd"),
        timeout_s=optional_duration(limits_raw.get("timeout")),
        max_concurrency=limits_raw.get("max_concurrency"),
        **{k: limits_raw[k] for k in _TOOL_LIMITS if k in limits_raw},
    )
    workflow = Workflow(
        name=data["name"],
        path=path.resolve() if path else None,
        base_dir=path.resolve().parent if path else Path.cwd(),
        text_hash=text_hash,
        agents=MappingProxyType(agents),
        orchestration=orchestration,
        flows=MappingProxyType(flows),
        model_services=MappingProxyType(services),
        mcp_servers=MappingProxyType({s["name"]: _frozen(s) for s in data.get("mcp_servers", [])}),
        tools=MappingProxyType(tools),
        inputs=MappingProxyType({k: _frozen(v) for k, v in data.get("inputs", {}).items()}),
        limits=limits,
        raw=_frozen(data),
        session=session_spec(data),
        supervisor_agent=implicit,
        knowledge=MappingProxyType({k: _frozen(v) for k, v in (data.get("knowledge") or {}).items()}),
    )
    return workflow


def _agent(body: dict[str, Any], services: dict[str, Any], tools: dict[str, Any]) -> AgentSpec:
    role = body["role"]
    block = body.get(f"{role}_config", {})
    tool_refs = []
    for tool in body.get("tools", []):
        if isinstance(tool, str):
            tool_refs.append(ToolRef(tool))
        else:
            schema = tool.get("input_schema")
            tool_refs.append(ToolRef(tool["name"], tool.get("description"), _frozen(schema) if schema else None))
    # What makes a unit's result stale: the agent's own definition plus the definitions it points at.
    used_service = services.get(body.get("model", ""))
    used_tools = [tools.get(t.name) for t in tool_refs]
    definition = {
        "agent": body,
        "service": dict(used_service) if used_service else None,
        "tools": [_tool_identity(t) if t else None for t in used_tools],
    }
    structured = body.get("structured_output")
    return AgentSpec(
        name=body["name"],
        role=role,
        model=body.get("model"),
        prompt=body.get("prompt"),
        inputs=_names(body.get("inputs"), "source"),
        outputs=_names(body.get("outputs"), "target"),
        depends_on=tuple(body.get("depends_on", ())),
        tools=tuple(tool_refs),
        mcp_servers=tuple(body.get("mcp_servers", ())),
        parameters=_frozen(body.get("parameters")),
        structured_output=_frozen(structured) if structured else None,
        retry=_frozen(body.get("retry")),
        timeout_s=optional_duration(body.get("timeout")),
        concurrency=body.get("concurrency"),
        config=_frozen(block),
        guided=_frozen(body.get("guided_config")),
        definition_hash=stable_hash(definition),
        raw=_frozen(body),
        description=body.get("description"),
        incomplete_reply=str(body.get("incomplete_reply", "warn")),
        prompt_injection=_frozen(body.get("prompt_injection")),
        reads=reads_of(body.get("prompt"), (body.get("guided_config") or {}).get("verification_prompt")),
    )


_TOOL_LIMITS = ("max_tool_calls_per_turn", "max_tool_calls_per_step", "max_tool_result_bytes")

# How a tool is run, not what it does: changing these must not give finished steps new keys (declaring a
# tool idempotent after an interrupted call is exactly what the resume hint asks for).
_TOOL_RUN_SETTINGS = ("idempotent", "timeout", "rate_limit")


def _tool_identity(tool: Any) -> dict[str, Any]:
    return {k: v for k, v in dict(tool).items() if k not in _TOOL_RUN_SETTINGS}


def _flow(name: str, body: dict[str, Any], supervisor: dict[str, Any]) -> FlowSpec:
    config = dict(body.get("config") or {})
    if body["pattern"] == "supervisor":
        config = {**supervisor_defaults(supervisor), **config}
    return FlowSpec(
        name=name,
        pattern=body["pattern"],
        members=tuple(body.get("agents", ())),
        config=_frozen(config),
        names=tuple(dict.fromkeys(block_members({**body, "config": config}))),
        description=body.get("description"),
        timeout_s=optional_duration(config.get("timeout")),
    )
