"""`aixgo migrate FILE [-o OUT | --in-place]`: rewrite a Go aixgo config into workflow format v1."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from aixgo_cli.errors import ExitCode, UserError

HELP = (
    "Rewrite a Go aixgo configuration file into workflow format v1. Prints every change, every key\n"
    "dropped (keys Go aixgo never read) and everything left for you to decide, as file:line:col with a\n"
    "hint, then validates the result. The new file goes to stdout unless -o or --in-place is given.\n"
    "Exit 0 when the result is a valid workflow, 2 when something is left to fix (the file is still\n"
    "written) or the input is not a Go aixgo workflow config (nothing is written)."
)


def migrate(
    file: Path = typer.Argument(..., help="The Go aixgo config file."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the new file here."),
    in_place: bool = typer.Option(False, "--in-place", help="Replace FILE with the new file."),
    force: bool = typer.Option(False, "--force", help="Overwrite --output if it exists."),
) -> int:
    from aixgo_cli.config.migrate import migrate_loaded
    from aixgo_cli.config.validate import validate_bytes
    from aixgo_cli.render.issues import issue_text
    from aixgo_cli.render.migrate_report import change_text, migrate_summary
    from aixgo_cli.render.style import Style, color_enabled
    from aixgo_cli.schema.yaml_dump import dump_yaml
    from aixgo_cli.schema.yaml_loader import load_workflow_file

    if output is not None and in_place:
        raise UserError("--output and --in-place exclude each other", hint="give one of them")
    if not file.is_file():
        raise UserError(f"{file}: no such file", hint="give the path of a Go aixgo config (config/agents.yaml)")
    if output is not None and output.exists() and not force:
        raise UserError(f"{output} already exists", hint=f"choose another name, or add --force to overwrite {output}")
    style = Style(color_enabled(sys.stderr))
    name = str(file)
    loaded = load_workflow_file(file, name)
    migration = migrate_loaded(loaded, name)
    if migration.data is None:
        for issue in migration.load_issues:
            sys.stderr.write(issue_text(issue, loaded.lines, style) + "\n")
        raise UserError(f"{name}: {migration.reason}", hint=migration.reason_hint)
    for change in migration.changes:
        sys.stderr.write(change_text(name, change, style) + "\n")
    text = _header(loaded.text, name) + dump_yaml(migration.data)
    target = str(output) if output is not None else name if in_place else "<stdout>"
    report = validate_bytes(text.encode("utf-8"), target)
    for issue in report.issues:
        sys.stderr.write(issue_text(issue, report.loaded.lines, style) + "\n")
    if output is not None or in_place:
        (output or file).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    errors, warnings = len(report.errors), len(report.warnings)
    sys.stderr.write(migrate_summary(migration.changes, errors, warnings, target, style) + "\n")
    return int(ExitCode.INVALID if errors else ExitCode.OK)


def _header(original: str, name: str) -> str:
    """The original's leading comment block (what the file is for), then a line saying where it came from."""
    kept: list[str] = []
    for line in original.splitlines():
        if line.startswith("#") or (not line.strip() and kept):
            kept.append(line)
        else:
            break
    while kept and not kept[-1].strip():
        kept.pop()
    note = f"# Rewritten from the Go aixgo config {Path(name).name} by `aixgo migrate`."
    return "\n".join([*kept, note, ""]) + "\n" if kept else note + "\n"
