"""`aixgo migrate`: rewrite a Go aixgo configuration file into workflow format v1.

The rule throughout: keep what the Go runtime did. Keys it never read are dropped and named (Go decoded
leniently, so its files carry many); keys it read are moved to where v1 keeps them; free-text values are
mapped onto v1's closed sets. What cannot be decided without a person (a reference to an agent that does
not exist, a Go feature v1 lacks, a secret written into the file) is left in place or out, and reported.
The result is then validated by the same code as `aixgo validate`, so the report ends with what is left.

Pure data in, data out: no I/O beyond what the caller hands in (the CLI reads and writes the files).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from aixgo_cli.config.migrate_agents import PROVIDER_PREFIXES, migrate_agents, migrate_model
from aixgo_cli.config.migrate_notes import Change, Recorder
from aixgo_cli.schema.go_keys import GO_KEYS, go_meaning
from aixgo_cli.schema.issues import Issue, PathPart
from aixgo_cli.schema.yaml_loader import LoadedWorkflow

V1_TOP_KEYS = (
    "description",
    "inputs",
    "model_services",
    "mcp_servers",
    "tools",
    "agents",
    "orchestration",
    "flows",
    "supervisor",
    "session",
    "limits",
)
# Patterns whose only requirement is the member list, so a Go `supervisor.pattern` can become one.
_MEMBER_ONLY_PATTERNS = ("sequential", "parallel", "ensemble", "aggregation")
_GENERIC_STEMS = ("config", "agents", "workflow", "aixgo")
_SECURITY_KEYS = frozenset(k for k, v in GO_KEYS["top"].items() if "security" in v)


@dataclass
class Migration:
    """`data` is the v1 workflow, or None when the file is not a workflow config (`reason` says why)."""

    loaded: LoadedWorkflow
    data: dict[str, Any] | None
    changes: list[Change] = field(default_factory=list)
    reason: str | None = None
    reason_hint: str | None = None

    @property
    def load_issues(self) -> list[Issue]:
        return [i for i in self.loaded.issues if i.severity == "error"]


def workflow_name_for(file_name: str) -> str:
    """A v1 `name` from the file's path: its stem, or its folder when the stem says nothing."""
    path = PurePath(file_name)
    stem = path.stem
    if stem.lower() in _GENERIC_STEMS and path.parent.name and path.parent.name.lower() not in _GENERIC_STEMS:
        stem = path.parent.name
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-_")
    if not cleaned or not cleaned[0].isalpha():
        cleaned = f"workflow-{cleaned}" if cleaned else "workflow"
    return cleaned[:64]


def migrate_loaded(loaded: LoadedWorkflow, file_name: str) -> Migration:
    data = loaded.data
    if any(i.severity == "error" for i in loaded.issues):
        return Migration(loaded, None, reason="the file does not load as YAML", reason_hint="fix the YAML first")
    if not isinstance(data, dict):
        return Migration(
            loaded,
            None,
            reason="not a Go aixgo workflow config: its top level is not a mapping",
            reason_hint="a Go aixgo config is a mapping with an `agents:` list",
        )
    if "version" in data:
        return Migration(
            loaded,
            None,
            reason="the file already has `version:`, so it is not a Go aixgo config",
            reason_hint="check it with: aixgo validate FILE",
        )
    agents = data.get("agents")
    if not isinstance(agents, list) or not agents:
        return Migration(loaded, None, reason=_not_a_workflow(data), reason_hint=_not_a_workflow_hint(data))
    rec = Recorder(loaded)
    out: dict[str, Any] = {"version": 1, "name": workflow_name_for(file_name)}
    rec.note((), "changed", "version", f"added `version: 1` and `name: {out['name']}`", at_key=False)
    services = {s["name"] for s in data.get("model_services") or [] if isinstance(s, dict) and "name" in s}
    for key, value in data.items():
        if key == "name" and isinstance(value, str):
            out["name"] = value
        elif key == "agents":
            out["agents"] = migrate_agents(rec, value, services)
        elif key == "model_services" and isinstance(value, list):
            out[key] = [_service(rec, ("model_services", i), s) for i, s in enumerate(value)]
        elif key == "mcp_servers" and isinstance(value, list):
            out[key] = [_mcp_server(rec, ("mcp_servers", i), s) for i, s in enumerate(value)]
        elif key == "session" and isinstance(value, dict):
            out[key] = _session(rec, value)
        elif key == "supervisor" and isinstance(value, dict):
            supervisor = {k: v for k, v in value.items() if k != "pattern"}
            if isinstance(supervisor.get("model"), str):  # the supervisor runs as an agent of its own
                as_agent = {"name": "supervisor", **supervisor}
                supervisor["model"] = migrate_model(rec, ("supervisor",), as_agent, services)
            if supervisor:
                out[key] = supervisor
        elif key in V1_TOP_KEYS:
            out[key] = value
        else:
            meaning = go_meaning((), key) or "a key Go aixgo's runtime never read"
            rec.note((key,), "dropped", "go-key", f"`{key}` dropped: {meaning}")
    go_supervisor = data.get("supervisor")
    if isinstance(go_supervisor, dict) and "pattern" in go_supervisor:
        _supervisor_pattern(rec, out, go_supervisor["pattern"])
    return Migration(loaded, _ordered(out), sorted(rec.changes, key=lambda c: (c.line, c.column)))


def _ordered(out: dict[str, Any]) -> dict[str, Any]:
    order = ("version", "name", *V1_TOP_KEYS)
    return {k: out[k] for k in sorted(out, key=lambda k: order.index(k) if k in order else len(order))}


def _not_a_workflow(data: dict[str, Any]) -> str:
    keys = list(data)
    if _SECURITY_KEYS & set(keys):
        what = "the security settings of Go aixgo's HTTP server"
    elif "agents" in data:
        what = "an empty `agents:` list"
    else:
        what = "settings read by a Go aixgo example program"
    shown = ", ".join(str(k) for k in keys[:6]) + (", ..." if len(keys) > 6 else "")
    return f"not a Go aixgo workflow config: it has no agents, only {what} (keys: {shown})"


def _not_a_workflow_hint(data: dict[str, Any]) -> str:
    if _SECURITY_KEYS & set(data):
        return "nothing to migrate: format v1 workflow files carry no server security settings"
    return "nothing to migrate: a workflow config lists its agents under `agents:`"


def _service(rec: Recorder, at: tuple[PathPart, ...], service: Any) -> Any:
    if not isinstance(service, dict):
        return service
    name = service.get("name", f"#{at[-1]}")
    out: dict[str, Any] = {}
    for key, value in service.items():
        if key in ("transport", "address"):
            rec.note(
                (*at, key), "dropped", "go-key", f"model service '{name}': `{key}` dropped ({go_meaning(at, key)})"
            )
        elif key == "provider" and isinstance(value, str) and value.lower() in ("vertexai", "google", "grok"):
            out[key] = PROVIDER_PREFIXES[value.lower()]
            rec.note((*at, key), "changed", "provider", f"model service '{name}': provider '{value}' is '{out[key]}'")
        elif key == "config" and isinstance(value, dict):
            config = dict(value)
            for secret_key in ("token", "api_key"):
                if secret_key in config:
                    secret = rec.secret_name(
                        (*at, key, secret_key), config.pop(secret_key), f"{name}.config.{secret_key}"
                    )
                    if secret is not None:
                        config["token_secret"] = secret
                        rec.note(
                            (*at, key, secret_key),
                            "changed",
                            "secret-name",
                            f"model service '{name}': config.{secret_key} is config.token_secret",
                        )
            out[key] = config
        else:
            out[key] = value
    return out


def _mcp_server(rec: Recorder, at: tuple[PathPart, ...], server: Any) -> Any:
    if not isinstance(server, dict):
        return server
    name = server.get("name", f"#{at[-1]}")
    out = dict(server)
    transport = server.get("transport")
    if transport in ("local", "grpc"):
        what = (
            "an MCP server compiled into the Go program"
            if transport == "local"
            else "a gRPC MCP server (Go aixgo's own protocol)"
        )
        rec.note(
            (*at, "transport"),
            "unresolved",
            "go-feature",
            f"MCP server '{name}': transport '{transport}' is {what}; format v1 has no such transport",
            "run the server as a process (`transport: stdio`, `command: ...`) or connect to its URL "
            "(`transport: streamable_http`, `url: https://...`)",
            at_key=False,
        )
    auth = server.get("auth")
    if isinstance(auth, dict):
        new_auth: dict[str, Any] = {"type": auth.get("type", "bearer")}
        source = "token_env" if "token_env" in auth else "token" if "token" in auth else None
        if source is not None:
            secret = rec.secret_name((*at, "auth", source), auth[source], f"MCP server '{name}' auth.{source}")
            if secret is not None:
                new_auth["token_secret"] = secret
        out["auth"] = new_auth
    return out


def _session(rec: Recorder, session: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in session.items():
        if key == "base_dir":
            rec.note(
                ("session", key), "dropped", "go-key", f"session.base_dir dropped: {go_meaning(('session',), key)}"
            )
        elif key == "store" and value == "file":
            out[key] = "journal"
            rec.note(
                ("session", key),
                "changed",
                "session-store",
                "session.store 'file' is 'journal': sessions are kept in the run database",
                at_key=False,
            )
        else:
            out[key] = value
    return out


def _supervisor_pattern(rec: Recorder, out: dict[str, Any], pattern: Any) -> None:
    at: tuple[PathPart, ...] = ("supervisor", "pattern")
    agents = [a for a in out.get("agents", []) if isinstance(a, dict)]
    connected = any(a.get("inputs") or a.get("outputs") for a in agents)
    if connected:
        rec.note(
            at,
            "dropped",
            "go-key",
            f"supervisor.pattern '{pattern}' dropped: Go aixgo never read it, and the agents' "
            "inputs/outputs already say what runs after what",
            "to run a pattern instead, add an `orchestration:` block (see docs/workflow-format.md)",
        )
        return
    members = [a["name"] for a in agents if a.get("role") not in ("producer", "logger") and "name" in a]
    if pattern in _MEMBER_ONLY_PATTERNS and members:
        out["orchestration"] = {"pattern": pattern, "agents": members}
        rec.note(at, "changed", "orchestration", f"supervisor.pattern '{pattern}' is `orchestration:` over {members}")
        return
    rec.note(
        at,
        "unresolved",
        "go-pattern",
        f"supervisor.pattern '{pattern}' needs settings the Go file does not give (which agent does what)",
        f"add an `orchestration: {{pattern: {pattern}, config: ...}}` block (see docs/workflow-format.md)",
    )
