"""`aixgo init [TEMPLATE]`: scaffold a commented workflow from a template shipped with aixgo."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

HELP = (
    "Write a commented workflow to start from. TEMPLATE is one of the names `aixgo init --list` shows\n"
    "(default: chat). The workflow goes to stdout, or to --output FILE, which is never overwritten\n"
    "without --force. Every template validates as it is."
)
TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"


def available() -> dict[str, str]:
    """Template name -> its one-line summary (the first comment line after the name)."""
    out = {}
    for path in sorted(TEMPLATES_DIR.glob("*.yaml")):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        out[path.stem] = first.removeprefix("#").strip().removeprefix(f"{path.stem}:").strip()
    return out


def init(
    template: str = typer.Argument("chat", help="Template name (see --list)."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the workflow to this file."),
    force: bool = typer.Option(False, "--force", help="Overwrite --output if it exists."),
    list_only: bool = typer.Option(False, "--list", help="List the templates and exit."),
) -> int:
    from aixgo_cli.errors import UserError
    from aixgo_cli.schema.suggest import did_you_mean

    templates = available()
    if list_only:
        width = max(len(name) for name in templates)
        for name, summary in templates.items():
            sys.stdout.write(f"{name.ljust(width)}  {summary}\n")
        return 0
    if template not in templates:
        hint = did_you_mean(template, templates) or f"templates: {', '.join(templates)}"
        raise UserError(f"no template named '{template}'", hint=hint)
    text = (TEMPLATES_DIR / f"{template}.yaml").read_text(encoding="utf-8")
    if output is None:
        sys.stdout.write(text)
        return 0
    if output.exists() and not force:
        raise UserError(f"{output} already exists", hint=f"choose another name, or add --force to overwrite {output}")
    output.write_text(text, encoding="utf-8")
    sys.stderr.write(f"wrote {output} (template {template}); check it with: aixgo validate {output}\n")
    return 0
