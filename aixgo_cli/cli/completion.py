"""`aixgo completion bash|zsh|fish` and the completions the generated script asks for.

The script calls `aixgo` back with `_AIXGO_COMPLETE=complete_<shell>`; `main` then hands over to
`run_completion`, which attaches two completers by parameter name to every command (so command modules
need no completion code): run ids from the journal, and workflow files (`*.yaml`, `*.yml`, folders).
Completers use Typer's `autocompletion=` (values, or (value, help) pairs), not Click's `CompletionItem`:
Typer 0.28 carries its own copy of Click, so the `click` package is not the one it completes with. Two
Typer functions have no public home: `completion_init` (registers Typer's shell classes) and
`get_completion_script` (the script for our own complete variable); Typer's `--show-completion` uses
them the same way.
"""

from __future__ import annotations

import inspect
import os
import sys
from enum import StrEnum
from pathlib import Path

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


def run_ids(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """Run ids starting with `incomplete`, newest first, with workflow and status as help text."""
    from aixgo_cli.wiring import open_journal

    db = ctx.params.get("db") if ctx is not None else None
    path = Path(db) if db else None
    try:
        with open_journal(path) as journal:
            runs = journal.list_runs(limit=200)
    except Exception:  # no journal yet, or unreadable: complete nothing rather than print an error
        return []
    return [(r.run_id, f"{r.workflow_name} {r.status}") for r in runs if r.run_id.startswith(incomplete)]


def workflow_files(incomplete: str) -> list[str]:
    """Folders (ending in `/`) and `*.yaml`/`*.yml` files whose path starts with `incomplete`."""
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
            out.append(shown + "/")
        elif entry.suffix in (".yaml", ".yml"):
            out.append(shown)
    return out


def attach_completers(app: typer.Typer) -> None:
    """Give every parameter named like a run id or a workflow its completer, in the whole command tree,
    through Typer's `autocompletion` (set on each parameter's declaration before the command is built)."""
    from typer.models import ParameterInfo

    for command in app.registered_commands:
        if command.callback is None:
            continue
        for name, parameter in inspect.signature(command.callback).parameters.items():
            declared = parameter.default
            if not isinstance(declared, ParameterInfo) or declared.autocompletion is not None:
                continue
            if name in RUN_ID_PARAMS:
                declared.autocompletion = run_ids
            elif name in WORKFLOW_PARAMS:
                declared.autocompletion = workflow_files
    for group in app.registered_groups:
        if isinstance(group.typer_instance, typer.Typer):
            attach_completers(group.typer_instance)


def run_completion(app: typer.Typer, args: list[str]) -> int:
    """Answer one completion request from the shell script (the environment says which shell and words)."""
    from typer._completion_classes import completion_init
    from typer.main import get_command

    completion_init()
    attach_completers(app)
    command = get_command(app)
    try:
        command.main(args=args, prog_name="aixgo", complete_var=COMPLETE_VAR)
    except SystemExit as done:
        return int(done.code or 0)
    return 0


def requested() -> bool:
    return bool(os.environ.get(COMPLETE_VAR))
