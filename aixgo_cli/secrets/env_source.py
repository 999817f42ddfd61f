"""The first place a secret is looked for: the process environment.

Environment variables come first because they are what CI systems, containers and `direnv` already
provide, they need no daemon, and they let a user override a stored key for one command
(`OPENAI_API_KEY=... aixgo run ...`). An empty variable counts as unset: an empty key can never
authenticate, and treating it as missing gives the clear "set it" error instead of a provider 401.
"""

from __future__ import annotations

import os
from typing import Literal


class EnvSource:
    """Reads `os.environ[NAME]` at call time (never cached, so a changed environment is seen)."""

    label: Literal["env"] = "env"

    def get(self, name: str) -> str | None:
        value = os.environ.get(name)
        return value or None
