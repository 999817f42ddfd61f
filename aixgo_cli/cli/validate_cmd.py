"""`aixgo validate FILE...`: every problem of every file in one pass, with positions and hints."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path

import typer

from aixgo_cli.errors import ExitCode

HELP = (
    "Check workflow files and report every problem at once, as file:line:col with the\n"
    "source line and a hint. Exit 0 when all are valid (warnings allowed), 2 when not.\n"
    "Use - to read a workflow from stdin."
)


class OutputFormat(StrEnum):
    text = "text"
    json = "json"
    sarif = "sarif"


def validate(
    files: list[str] = typer.Argument(..., metavar="FILE...", help="Workflow files (or - for stdin)."),
    output_format: OutputFormat = typer.Option(
        OutputFormat.text, "--format", "-f", help="text (for people), json or sarif (for tools)."
    ),
    strict: bool = typer.Option(False, "--strict", help="Treat warnings as errors."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Text format: print only problems."),
) -> int:
    from aixgo_cli.config.validate import ValidationReport, validate_bytes, validate_path
    from aixgo_cli.render.issues import issue_text, issues_json, issues_sarif, summary_text
    from aixgo_cli.render.style import Style, color_enabled
    from aixgo_cli.schema.issues import Issue

    reports: list[ValidationReport] = []
    results: list[tuple[str, list[Issue]]] = []
    for name in files:
        if name == "-":
            report = validate_bytes(sys.stdin.buffer.read(), "<stdin>")
        else:
            path = Path(name)
            if not path.is_file():
                problem = "no such file" if not path.exists() else "not a regular file"
                issue = Issue(
                    file=name,
                    line=1,
                    column=1,
                    severity="error",
                    code="no-file",
                    message=f"cannot read the workflow: {problem}",
                    hint="check the path; list workflows with: ls workflows/",
                )
                results.append((name, [issue]))
                continue
            report = validate_path(path, name)
        reports.append(report)
        results.append((name, list(report.issues)))

    def failed(issues: list[Issue]) -> bool:
        return any(i.severity == "error" or (strict and i.severity == "warning") for i in issues)

    any_failed = any(failed(issues) for _, issues in results)
    if output_format is OutputFormat.json:
        sys.stdout.write(issues_json(results) + "\n")
    elif output_format is OutputFormat.sarif:
        sys.stdout.write(issues_sarif(results) + "\n")
    else:
        style = Style(color_enabled(sys.stderr))
        lines_by_file = {r.loaded.file: r.loaded.lines for r in reports}
        errors = warnings = 0
        for name, issues in results:
            for issue in issues:
                sys.stderr.write(issue_text(issue, lines_by_file.get(issue.file, []), style) + "\n")
                errors += issue.severity == "error"
                warnings += issue.severity == "warning"
            if not failed(issues) and not quiet:
                sys.stderr.write(f"{style.bold(name)}: valid\n")
        if errors or warnings or len(files) > 1:
            sys.stderr.write(summary_text(len(files), errors, warnings, style) + "\n")
    return int(ExitCode.INVALID if any_failed else ExitCode.OK)
