"""`aixgo completion bash|zsh|fish` and the completions the generated script asks for.

The script calls `aixgo` back with `_AIXGO_COMPLETE=complete_<shell>`; `main` then hands over to
`run_completion`, which attaches two completers by parameter name to every command (so command modules
need no completion code): run ids from the journal, and workflow files (`*.yaml`, `*.yml`, folders).
"""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

COMPLETE_VAR = "_AIXGO_COMPLETE"
RUN_ID_PARAMS = frozenset({"run_id", "run_ids", "run_a", "run_b"})
WORKFLOW_PARAMS = frozenset({"workflow", "workflows", "files", "file"})
HELP = (
    "Print the shell completion script for bash, zsh or fish. Commands, options, run ids and workflow\n"
    "files complete. Install with, for bash: aixgo completion bash >> ~/.bashrc; zsh: aixgo completion zsh\n"
    '> "${fpath[1]}/_aixgo"; fish: aixgo completion fish > ~/.config/fish/completions/aixgo.fish'
)


class Shell(StrEnum):
    bash = "bash"
    zsh = "zsh"
    fish = "fish"


def completion(shell: Shell = typer.Argument(..., help="bash, zsh or fish.")) -> int:
    from typer._completion_classes import completion_init
    from typer._completion_shared import get_completion_script

    completion_init()
    sys.stdout.write(get_completion_script(prog_name="aixgo", complete_var=COMPLETE_VAR, shell=shell.value) + "\n")
    return 0


def run_ids(ctx: Any, param: Any, incomplete: str) -> list[Any]:
    """Run ids starting with `incomplete`, newest first, with workflow and status as help text."""
    from typer._click.shell_completion import CompletionItem

    from aixgo_cli.wiring import open_journal

    db = ctx.params.get("db") if ctx is not None else None
    path = Path(db) if db else None
    try:
        with open_journal(path) as journal:
            runs = journal.list_runs(limit=200)
    except Exception:  # no journal yet, or unreadable: complete nothing rather than print an error
        return []
    return [
        CompletionItem(r.run_id, help=f"{r.workflow_name} {r.status}") for r in runs if r.run_id.startswith(incomplete)
    ]


def workflow_files(ctx: Any, param: Any, incomplete: str) -> list[Any]:
    """Folders and `*.yaml`/`*.yml` files whose path starts with `incomplete`."""
    from typer._click.shell_completion import CompletionItem

    folder, _, prefix = incomplete.rpartition("/")
    base = Path(folder or ".")
    if folder == "" and incomplete.startswith("/"):
        base = Path("/")
    try:
        entries = sorted(base.iterdir())
    except OSError:
        return []
    out = []
    for entry in entries:
        if not entry.name.startswith(prefix) or (entry.name.startswith(".") and not prefix.startswith(".")):
            continue
        shown = f"{folder}/{entry.name}" if folder else entry.name
        if entry.is_dir():
            out.append(CompletionItem(shown + "/", type="dir"))
        elif entry.suffix in (".yaml", ".yml"):
            out.append(CompletionItem(shown, type="file"))
    return out


def attach_completers(command: Any) -> None:
    """Give every parameter named like a run id or a workflow its completer, in the whole command tree."""
    for param in getattr(command, "params", []):
        if param.name in RUN_ID_PARAMS:
            param._custom_shell_complete = run_ids
        elif param.name in WORKFLOW_PARAMS:
            param._custom_shell_complete = workflow_files
    for sub in getattr(command, "commands", {}).values():
        attach_completers(sub)


def run_completion(app: typer.Typer, args: list[str]) -> int:
    """Answer one completion request from the shell script (the environment says which shell and words)."""
    from typer._completion_classes import completion_init
    from typer.main import get_command

    completion_init()
    command = get_command(app)
    attach_completers(command)
    try:
        command.main(args=args, prog_name="aixgo", complete_var=COMPLETE_VAR)
    except SystemExit as done:
        return int(done.code or 0)
    return 0


def requested() -> bool:
    return bool(os.environ.get(COMPLETE_VAR))
