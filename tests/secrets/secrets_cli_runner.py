"""Runs the `secrets` sub-app as a process, the way the top-level CLI will: an aixgo error becomes a
redacted `error:`/`hint:` pair on stderr and its documented exit code; parser errors keep click's
exit 2. Used by the subprocess tests (`python tests/secrets/secrets_cli_runner.py set NAME`).
"""

from __future__ import annotations

import sys

from aixgo_cli.cli.secrets_cmd import app
from aixgo_cli.errors import AixgoError
from aixgo_cli.secrets.redaction import redact


def main(argv: list[str]) -> int:
    try:
        app(args=argv, prog_name="aixgo secrets")
    except AixgoError as exc:
        print(f"error: {redact(exc.message)}", file=sys.stderr)
        if exc.hint:
            print(f"hint: {redact(exc.hint)}", file=sys.stderr)
        return int(exc.exit_code)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
