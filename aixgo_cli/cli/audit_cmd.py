"""`aixgo audit verify FILE`: check an audit log's hash chain.

Exit 0 when every record is intact and in order; exit 1 naming the first line that was edited, removed,
inserted or moved (what the chain can and cannot show: security/audit.py); exit 2 when the file cannot
be read.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

app = typer.Typer(
    help="Check the audit logs that runs write (tool calls, refusals, detections, secret use).",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


@app.command("verify")
def verify_log(
    file: Path = typer.Argument(..., metavar="FILE", help="An audit log (JSONL)."),
    json_out: bool = typer.Option(False, "--json", help="Print the verdict as one JSON object."),
) -> int:
    """Verify the hash chain of FILE: exit 0 if intact, 1 at the first tampered line."""
    from aixgo_cli.errors import ExitCode, UserError
    from aixgo_cli.security.audit import verify

    try:
        verdict = verify(file)
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise UserError(f"cannot read the audit log {file}: {reason}", hint="give the path of an audit log") from None
    if json_out:
        payload = {"ok": verdict.ok, "records": verdict.records, "line": verdict.line, "problem": verdict.problem}
        sys.stdout.write(json.dumps(payload) + "\n")
    elif verdict.ok:
        sys.stdout.write(f"{file}: ok, {verdict.records} records, chain intact\n")
    if not verdict.ok:
        sys.stderr.write(f"aixgo: {file}:{verdict.line}: {verdict.problem}\n")
        return int(ExitCode.STEP_FAILED)
    return int(ExitCode.OK)
