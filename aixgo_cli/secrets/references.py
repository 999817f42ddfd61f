"""Every secret name a workflow refers to, wherever it is: `api_key_secret`, `token_secret` and any other
key ending in `_secret`, and `{secret: NAME}` values (headers, environment of MCP servers).

Why collect them all at start: a secret's value must be registered with the redaction filter before
anything that could contain it is stored. The run's parameters are journaled first thing, and a user may
pass such a value in `--input` or `--var`; a secret first resolved later, when a tool is built, would
be missed there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aixgo_cli.secrets.names import invalid_names


def referenced_names(raw: Any) -> list[str]:
    """The valid secret names referred to anywhere in a workflow's raw mapping, in document order."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, Mapping):
            if set(node) == {"secret"} and isinstance(node["secret"], str):
                found.append(node["secret"])
            for key, value in node.items():
                if isinstance(key, str) and key.endswith("_secret") and isinstance(value, str):
                    found.append(value)
                walk(value)
        elif isinstance(node, list | tuple):
            for item in node:
                walk(item)

    walk(raw)
    unique = list(dict.fromkeys(found))
    bad = set(invalid_names(unique))
    return [name for name in unique if name not in bad]
