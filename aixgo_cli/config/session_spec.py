"""`session:` as the engine reads it (see engine/sessions.py for what a session does)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DEFAULT_SESSION_MESSAGES = 100


@dataclass(frozen=True)
class SessionSpec:
    """Each react agent's conversation, kept across runs under `key`."""

    key: str
    store: str  # "journal" | "memory"
    max_messages: int


def session_spec(data: dict[str, Any]) -> SessionSpec | None:
    block = data.get("session")
    if not isinstance(block, dict) or not block.get("enabled", True):
        return None
    return SessionSpec(
        key=str(block.get("key") or data["name"]),
        store=str(block.get("store", "journal")),
        max_messages=int(block.get("max_messages", DEFAULT_SESSION_MESSAGES)),
    )
