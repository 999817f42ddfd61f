"""Keys that Go aixgo configuration files use and format v1 does not have.

Go aixgo decoded its YAML leniently, so its example files carry many keys its runtime never read. A plain
"did you mean" would point such a key at an unrelated v1 key that happens to be spelled alike (`tls` ->
`tools`, `vectorstore` -> `session.store`), which sends a Go user the wrong way. These tables let
`validate` say what the key was in Go instead, and let `aixgo migrate` name what it drops.
"""

from __future__ import annotations

from aixgo_cli.schema.issues import PathPart

_SERVER_SECURITY = "the security settings of Go aixgo's HTTP server"

# Where a key stands (a section word from `section_of`) -> key -> what it meant in Go aixgo.
GO_KEYS: dict[str, dict[str, str]] = {
    "top": {
        "embeddings": "Go aixgo's embedding-service settings, read only by its example programs",
        "vectorstore": "Go aixgo's vector-store settings, read only by its example programs",
        "environment": _SERVER_SECURITY,
        "auth_mode": _SERVER_SECURITY,
        "delegated_auth": _SERVER_SECURITY,
        "builtin_auth": _SERVER_SECURITY,
        "authorization": _SERVER_SECURITY,
        "audit": _SERVER_SECURITY,
        "server": "the settings of Go aixgo's HTTP server",
        "security": _SERVER_SECURITY,
        "logging": "Go aixgo's log settings",
        "observability": "Go aixgo's tracing settings",
        "config": "Go aixgo's runtime settings (agent start timeout)",
        "routing": "settings read only by a Go aixgo example program",
        "workflow": "settings read only by a Go aixgo example program",
    },
    "agent": {
        "type": "the Go aixgo documentation's spelling of `role:`",
        "listen": "a Go aixgo agent's listen address, which its runtime never used",
        "session_mode": "a Go aixgo documentation key its runtime never read",
        "semantic_cache": "Go aixgo's semantic-cache settings, which its runtime never read",
        "conversation_memory": "Go aixgo's conversation-memory settings, which its runtime never read",
        "provider": "Go aixgo's provider name, which format v1 writes as the model's prefix",
    },
    "tool": {
        "vectorstore": "Go aixgo's vector-store binding of an inline tool, which its runtime never read",
    },
    "edge": {
        "description": "a note Go aixgo's runtime never read",
        "metadata": "a note Go aixgo's runtime never read",
        "addr": "Go aixgo's channel address, which its runtime never used",
    },
    "mcp_server": {
        "address": "the address of a Go aixgo gRPC MCP server",
        "tls": "the TLS switch of a Go aixgo gRPC MCP server",
        "tls_config": "the TLS files of a Go aixgo gRPC MCP server",
    },
    "model_service": {
        "transport": "Go aixgo's model-service transport, which its runtime never used",
        "address": "Go aixgo's model-service address (format v1: `api_base`)",
    },
    "session": {
        "base_dir": "the directory of Go aixgo's file session store (format v1 keeps sessions in the journal)",
    },
    "supervisor": {
        "pattern": "Go aixgo's documented, never parsed, pattern choice (format v1: `orchestration: {pattern: ...}`)",
    },
}


def section_of(path: tuple[PathPart, ...]) -> str | None:
    """The section word for the mapping at `path` (the parent of a key), or None if no table applies."""
    shape = tuple("#" if isinstance(p, int) else p for p in path)
    return {
        (): "top",
        ("agents", "#"): "agent",
        ("agents", "#", "tools", "#"): "tool",
        ("agents", "#", "inputs", "#"): "edge",
        ("agents", "#", "outputs", "#"): "edge",
        ("mcp_servers", "#"): "mcp_server",
        ("model_services", "#"): "model_service",
        ("session",): "session",
        ("supervisor",): "supervisor",
    }.get(shape)


def go_meaning(path: tuple[PathPart, ...], key: str) -> str | None:
    """What `key`, found in the mapping at `path`, meant in Go aixgo; None when it is not a Go key there."""
    section = section_of(path)
    return GO_KEYS.get(section, {}).get(key) if section else None


def go_key_hint(path: tuple[PathPart, ...], key: str) -> str | None:
    """The hint for an unknown key that is a Go aixgo key, replacing a misleading "did you mean"."""
    meaning = go_meaning(path, key)
    if meaning is None:
        return None
    return f"`{key}` is {meaning}; format v1 has no such key. `aixgo migrate FILE` rewrites a Go aixgo file"


def looks_like_go_config(data: object) -> bool:
    """A mapping with neither `version:` nor `name:` (Go aixgo files have no such keys) that has agents or
    Go aixgo's top-level keys: a Go aixgo config."""
    if not isinstance(data, dict) or "version" in data or "name" in data:
        return False
    return isinstance(data.get("agents"), list) or any(key in GO_KEYS["top"] for key in data)
