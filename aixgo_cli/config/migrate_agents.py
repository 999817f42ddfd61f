"""`aixgo migrate`, agents: Go aixgo's `agents:` entries rewritten into format v1.

Each rule keeps what the Go runtime did: keys it never read are dropped (and named), values it spelled
freely are mapped onto v1's closed sets, and bare model names get the provider Go's `DetectProvider`
chose. Nothing is invented: an unknown role or a reference to a missing agent stays for a person to fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aixgo_cli.config.migrate_notes import Recorder
from aixgo_cli.schema.go_keys import go_meaning
from aixgo_cli.schema.issues import PathPart

PARAMETER_KEYS = ("temperature", "max_tokens", "top_p", "seed", "stop", "presence_penalty", "frequency_penalty")
# Go provider names -> LiteLLM prefixes.
PROVIDER_PREFIXES = {
    "openai": "openai",
    "anthropic": "anthropic",
    "gemini": "gemini",
    "google": "gemini",
    "xai": "xai",
    "grok": "xai",
    "huggingface": "huggingface",
    "vertexai": "vertex_ai",
    "vertex_ai": "vertex_ai",
    "bedrock": "bedrock",
    "ollama": "ollama_chat",
    "vllm": "hosted_vllm",
}
# Bare names v1 accepts as they are (reference_checks._looks_like_known_bare_model).
KNOWN_BARE = ("gpt-", "o1", "o3", "o4", "claude-", "gemini-", "grok-", "chatgpt-")
# Go's DetectProvider, in its order, for names v1 does not accept bare.
GO_BARE_PREFIXES = (
    ("text-davinci", "openai"),
    ("text-curie", "openai"),
    ("gpt", "openai"),
    ("claude", "anthropic"),
    ("gemini", "gemini"),
    ("grok", "xai"),
)
# Free-text values in Go files -> v1's closed sets, per role block and key.
ENUM_MAPS: dict[tuple[str, str], dict[str, str]] = {
    ("aggregator_config", "conflict_resolution"): {
        "llm_arbitration": "llm",
        "llm_reasoning": "llm",
        "arbitration": "llm",
        "llm_based": "llm",
        "confidence": "highest_confidence",
        "highest": "highest_confidence",
        "vote": "majority",
        "voting": "majority",
        "majority_vote": "majority",
    },
    ("planner_config", "step_detail_level"): {
        "comprehensive": "detailed",
        "high": "detailed",
        "verbose": "detailed",
        "minimal": "brief",
        "low": "brief",
        "concise": "brief",
        "medium": "normal",
        "standard": "normal",
        "moderate": "normal",
    },
}
_DROPPED_AGENT_KEYS = ("listen", "session_mode", "semantic_cache", "conversation_memory")


ROLES = ("producer", "react", "classifier", "aggregator", "planner", "logger")


def migrate_agents(rec: Recorder, agents: list[Any], services: set[str]) -> list[Any]:
    out = [
        _agent(rec, ("agents", i), agent, services) if isinstance(agent, dict) else agent
        for i, agent in enumerate(agents)
    ]
    _reconcile_edges(rec, out)
    return out


def _edge_names(items: Any, key: str) -> list[str]:
    if not isinstance(items, list):
        return []
    names = [i if isinstance(i, str) else i.get(key) if isinstance(i, dict) else None for i in items]
    return [n for n in names if isinstance(n, str)]


def _reconcile_edges(rec: Recorder, agents: list[Any]) -> None:
    """Make both ends of every declared edge agree, as v1 requires when both ends list their neighbours.

    Go aixgo matched `inputs` and `outputs` by channel name and never checked that they agreed, so its files
    often spell an edge on one side only. The edge was declared; adding the missing side invents nothing.
    References to agents that do not exist are left alone (validate reports them).
    """
    by_name = {
        a["name"]: (i, a) for i, a in enumerate(agents) if isinstance(a, dict) and isinstance(a.get("name"), str)
    }
    for agent in agents:
        if not isinstance(agent, dict) or not isinstance(agent.get("name"), str):
            continue
        for side in _EDGE_SIDES:
            for neighbour in _edge_names(agent.get(side.own), side.own_item):
                found = by_name.get(neighbour)
                if found is None or neighbour == agent["name"]:
                    continue
                index, other = found
                listed = other.get(side.back)
                if isinstance(listed, list) and listed and agent["name"] not in _edge_names(listed, side.back_item):
                    listed.append({side.back_item: agent["name"]})
                    rec.note(
                        ("agents", index, side.back),
                        "changed",
                        "edge",
                        f"agent '{neighbour}': added '{agent['name']}' to its {side.back}, {side.why}",
                    )


@dataclass(frozen=True)
class _EdgeSide:
    """One end of an edge as an agent lists it (`own`), and the list of the neighbour that must agree."""

    own: str
    own_item: str
    back: str
    back_item: str
    why: str


_EDGE_SIDES = (
    _EdgeSide("inputs", "source", "outputs", "target", "which that agent reads from"),
    _EdgeSide("outputs", "target", "inputs", "source", "which sends to it"),
)


def _agent(rec: Recorder, at: tuple[PathPart, ...], agent: dict[str, Any], services: set[str]) -> dict[str, Any]:
    name = agent.get("name", f"#{at[-1]}")
    out: dict[str, Any] = {}
    parameters = dict(agent["parameters"]) if isinstance(agent.get("parameters"), dict) else {}
    moved: list[str] = []
    for key, value in agent.items():
        if key == "type":
            if "role" in agent:
                rec.note((*at, key), "dropped", "go-key", f"agent '{name}': `type:` dropped; it has `role:`")
            else:
                out["role"] = value
                rec.note((*at, key), "changed", "type-to-role", f"agent '{name}': `type: {value}` is `role: {value}`")
        elif key in _DROPPED_AGENT_KEYS:
            rec.note((*at, key), "dropped", "go-key", f"agent '{name}': `{key}` dropped: {go_meaning(at, key) or key}")
        elif key == "provider":
            continue  # folded into `model` below
        elif key in PARAMETER_KEYS:
            parameters.setdefault(key, value)
            moved.append(key)
        elif key == "parameters":
            out["parameters"] = parameters
        elif key in ("inputs", "outputs") and isinstance(value, list):
            out[key] = [_edge(rec, (*at, key, j), name, key, item) for j, item in enumerate(value)]
        elif (
            key in ("tools", "mcp_servers")
            and agent.get("role", agent.get("type")) in ROLES
            and (agent.get("role", agent.get("type")) != "react")
        ):
            rec.note(
                (*at, key),
                "dropped",
                "go-key",
                f"agent '{name}': `{key}` dropped: Go aixgo gave tools to react agents only",
            )
        elif key == "tools" and isinstance(value, list):
            out[key] = [_tool(rec, (*at, key, j), name, item) for j, item in enumerate(value)]
        elif key == "role" and value not in ROLES:
            out[key] = value
            rec.note(
                (*at, key),
                "unresolved",
                "go-role",
                f"agent '{name}': role '{value}' does not exist here, nor in Go aixgo (its runtime refused to start)",
                f"use one of: {', '.join(ROLES)}",
                at_key=False,
            )
        elif key.endswith("_config") and isinstance(value, dict):
            out[key] = _role_block(rec, (*at, key), name, key, value)
        else:
            out[key] = value
    if moved:
        out["parameters"] = parameters
        rec.note(
            (*at, moved[0]),
            "changed",
            "parameters",
            f"agent '{name}': {', '.join(moved)} moved under `parameters:`",
        )
    model = migrate_model(rec, at, agent, services)
    if model is not None:
        out["model"] = model
    return out


def migrate_model(rec: Recorder, at: tuple[PathPart, ...], agent: dict[str, Any], services: set[str]) -> str | None:
    """The model of an agent (or of the top-level supervisor, which runs as one) as a LiteLLM id."""
    name = agent.get("name", f"#{at[-1]}")
    model, provider = agent.get("model"), agent.get("provider")
    if not isinstance(model, str):
        if provider is not None:
            rec.note((*at, "provider"), "dropped", "go-key", f"agent '{name}': `provider` dropped; it has no model")
        return model if model is not None else None
    if isinstance(provider, str):
        prefix = PROVIDER_PREFIXES.get(provider.lower())
        if prefix is None:
            rec.note(
                (*at, "provider"),
                "unresolved",
                "unknown-provider",
                f"agent '{name}': provider '{provider}' has no LiteLLM prefix aixgo knows",
                "write the model as PROVIDER/MODEL (see `aixgo models`)",
            )
            return model
        if model.startswith(f"{prefix}/"):
            return model
        rec.note((*at, "provider"), "changed", "provider-prefix", f"agent '{name}': model is now {prefix}/{model}")
        return f"{prefix}/{model}"
    if "/" in model or model in services or model.startswith(KNOWN_BARE):
        return model
    prefix = next((p for start, p in GO_BARE_PREFIXES if model.startswith(start)), "openai")
    rec.note(
        (*at, "model"),
        "changed",
        "model-prefix",
        f"agent '{name}': model '{model}' is now {prefix}/{model}, the provider Go aixgo chose for it",
        "Go aixgo sent names it did not recognise to OpenAI; if this model is served elsewhere, change the "
        "prefix (vertex_ai/, hosted_vllm/, ...) or add a model_services entry with its api_base",
    )
    return f"{prefix}/{model}"


def _edge(rec: Recorder, at: tuple[PathPart, ...], name: str, key: str, item: Any) -> Any:
    if not isinstance(item, dict):
        return item
    wanted = "source" if key == "inputs" else "target"
    out = {}
    for k, v in item.items():
        if k in ("description", "metadata", "addr"):
            rec.note(
                (*at, k), "dropped", "go-key", f"agent '{name}' {key}[{at[-1]}]: `{k}` dropped ({go_meaning(at, k)})"
            )
        else:
            out[k] = v
    if wanted not in item:
        rec.note(
            at,
            "unresolved",
            "edge-shape",
            f"agent '{name}' {key}[{at[-1]}] has no `{wanted}:`",
            f"write `{wanted}: AGENT`; Go aixgo read an empty channel name here, so this edge never carried data",
            at_key=False,
        )
    return out


def _tool(rec: Recorder, at: tuple[PathPart, ...], name: str, item: Any) -> Any:
    if not isinstance(item, dict):
        return item
    out = {}
    for k, v in item.items():
        if k in ("name", "description", "input_schema"):
            out[k] = v
        else:
            meaning = go_meaning(at, k) or "a key Go aixgo's inline tools never read"
            rec.note(
                (*at, k), "dropped", "go-key", f"agent '{name}' tool '{item.get('name')}': `{k}` dropped ({meaning})"
            )
    return out


def _role_block(rec: Recorder, at: tuple[PathPart, ...], name: str, block: str, body: dict[str, Any]) -> dict[str, Any]:
    out = dict(body)
    for (owner, key), mapping in ENUM_MAPS.items():
        value = body.get(key)
        if owner == block and isinstance(value, str) and value in mapping:
            out[key] = mapping[value]
            rec.note(
                (*at, key),
                "changed",
                "enum-value",
                f"agent '{name}': {block}.{key} '{value}' is '{mapping[value]}' here",
                at_key=False,
            )
    return out
