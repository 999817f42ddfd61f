"""`aixgo schema`: print the workflow JSON Schema, for editors (yaml-language-server) and tools."""

from __future__ import annotations

import sys

HELP = (
    "Print the workflow JSON Schema (format v1). Point your editor at it with\n"
    "`# yaml-language-server: $schema=<path>` after `aixgo schema > aixgo.schema.json`."
)


def schema() -> int:
    from aixgo_cli.schema.validator import SCHEMA_FILE

    sys.stdout.write(SCHEMA_FILE.read_text(encoding="utf-8"))
    return 0
