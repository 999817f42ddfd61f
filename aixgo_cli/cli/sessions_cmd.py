"""`aixgo sessions list | show | rm`: the conversation sessions kept in the journal (`session:`)."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from aixgo_cli.store.sessions import SessionInfo

app = typer.Typer(
    help="List, inspect and delete conversation sessions (workflows with `session:`, run --session NAME).",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)

DB_OPTION = typer.Option(None, "--db", help="Journal database (default: under AIXGO_HOME).")


@app.command("list", help="The sessions, most recently used first.")
def list_sessions(
    json_out: bool = typer.Option(False, "--json", help="JSON lines instead of a table."),
    db: Path | None = DB_OPTION,
) -> int:
    from aixgo_cli.wiring import open_journal

    with open_journal(db) as journal:
        sessions = journal.list_sessions()
    if json_out:
        for session in sessions:
            sys.stdout.write(json.dumps(asdict(session), ensure_ascii=False) + "\n")
        return 0
    if not sessions:
        sys.stderr.write("no sessions yet; a workflow with a session: block starts one when it runs\n")
        return 0
    rows = [("SESSION", "WORKFLOW", "MESSAGES", "UPDATED")]
    rows += [(s.name, s.workflow_name, str(s.messages), _when(s.updated_at)) for s in sessions]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        sys.stdout.write("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() + "\n")
    return 0


@app.command("show", help="The messages a session keeps, oldest first.")
def show(
    name: str = typer.Argument(..., help="The session's name."),
    json_out: bool = typer.Option(False, "--json", help="JSON lines instead of text."),
    db: Path | None = DB_OPTION,
) -> int:
    from aixgo_cli.wiring import open_journal

    with open_journal(db) as journal:
        _require(journal.list_sessions(), name)
        messages = journal.session_messages(name)
    for message in messages:
        if json_out:
            sys.stdout.write(json.dumps(asdict(message), ensure_ascii=False) + "\n")
        else:
            sys.stdout.write(f"[{message.agent}] {message.role} ({message.run_id}):\n{message.content}\n\n")
    return 0


@app.command("rm", help="Forget sessions; their runs stay.")
def remove(
    names: list[str] = typer.Argument(..., help="Session names."),
    db: Path | None = DB_OPTION,
) -> int:
    from aixgo_cli.wiring import open_journal

    with open_journal(db) as journal:
        known = journal.list_sessions()
        for name in names:
            _require(known, name)
        for name in names:
            journal.delete_session(name)
            sys.stderr.write(f"removed session {name}\n")
    return 0


def _require(known: Sequence[SessionInfo], name: str) -> None:
    from aixgo_cli.errors import UserError

    if not any(s.name == name for s in known):
        names = ", ".join(s.name for s in known[:10])
        raise UserError(
            f"no session named '{name}'",
            hint=f"sessions: {names}" if names else "list them with: aixgo sessions list",
        )


def _when(at: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(at))
