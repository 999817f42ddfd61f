"""Per-call work LiteLLM does that aixgo does not use, switched off once after the import."""

from __future__ import annotations

from typing import Any


def apply_cuts(litellm: Any) -> None:
    """Nothing yet."""
