"""Validation issues as text (with a source excerpt and caret), JSON, or SARIF 2.1.0."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from aixgo_cli import __version__
from aixgo_cli.render.style import Style
from aixgo_cli.schema.issues import Issue

ISSUES_FORMAT_VERSION = 1


def issue_text(issue: Issue, lines: Sequence[str], style: Style) -> str:
    severity = style.red("error") if issue.severity == "error" else style.yellow("warning")
    head = f"{style.bold(f'{issue.file}:{issue.line}:{issue.column}')}: {severity}[{issue.code}]: {issue.message}"
    out = [head]
    if 0 < issue.line <= len(lines):
        gutter = len(str(issue.line + 0))
        if issue.line > 1 and lines[issue.line - 2].strip():
            before, _ = _clip(lines[issue.line - 2], 1)
            out.append(style.dim(f" {issue.line - 1:>{gutter}} | ") + before.expandtabs(1))
        source, column = _clip(lines[issue.line - 1], issue.column)
        out.append(style.dim(f" {issue.line:>{gutter}} | ") + source.expandtabs(1))
        width = 1
        if issue.end_column and issue.end_column > issue.column:
            width = min(issue.end_column - issue.column, len(source) - column + 1)
        else:
            rest = source[column - 1 :]
            token = rest.split(":", 1)[0].split(" ", 1)[0] if rest else ""
            width = max(1, min(len(token), 60))
        out.append(style.dim(f" {'':>{gutter}} | ") + " " * (column - 1) + style.red("^" * max(1, width)))
    if issue.hint:
        out.append(f"  {style.cyan('hint')}: {issue.hint}")
    return "\n".join(out)


_EXCERPT_CHARS = 160


def _clip(source: str, column: int) -> tuple[str, int]:
    """A window of a long line around `column` (a minified or generated line can be megabytes long),
    and the column within that window."""
    if len(source) <= _EXCERPT_CHARS:
        return source, column
    start = max(0, column - 1 - _EXCERPT_CHARS // 3)
    window = source[start : start + _EXCERPT_CHARS]
    prefix = "..." if start else ""
    suffix = "..." if start + _EXCERPT_CHARS < len(source) else ""
    return prefix + window + suffix, column - start + len(prefix)


def summary_text(files: int, errors: int, warnings: int, style: Style) -> str:
    def plural(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    text = f"{plural(errors, 'error')}, {plural(warnings, 'warning')} in {plural(files, 'file')}"
    return style.red(text) if errors else style.bold(text)


def issue_dict(issue: Issue) -> dict[str, Any]:
    return {
        "file": issue.file,
        "line": issue.line,
        "column": issue.column,
        "end_column": issue.end_column,
        "severity": issue.severity,
        "code": issue.code,
        "message": issue.message,
        "hint": issue.hint,
        "path": issue.json_path,
    }


def issues_json(results: Sequence[tuple[str, Sequence[Issue]]]) -> str:
    files = [
        {
            "file": name,
            "valid": not any(i.severity == "error" for i in issues),
            "issues": [issue_dict(i) for i in issues],
        }
        for name, issues in results
    ]
    payload = {"format_version": ISSUES_FORMAT_VERSION, "valid": all(f["valid"] for f in files), "files": files}
    return json.dumps(payload, indent=2)


def issues_sarif(results: Sequence[tuple[str, Sequence[Issue]]]) -> str:
    rules: dict[str, dict[str, Any]] = {}
    sarif_results = []
    for _, issues in results:
        for issue in issues:
            rules.setdefault(
                issue.code,
                {"id": issue.code, "name": issue.code, "shortDescription": {"text": issue.code.replace("-", " ")}},
            )
            message = issue.message + (f" (hint: {issue.hint})" if issue.hint else "")
            region: dict[str, Any] = {"startLine": issue.line, "startColumn": issue.column}
            if issue.end_column:
                region["endColumn"] = issue.end_column
            sarif_results.append(
                {
                    "ruleId": issue.code,
                    "level": "error" if issue.severity == "error" else "warning",
                    "message": {"text": message},
                    "locations": [{"physicalLocation": {"artifactLocation": {"uri": issue.file}, "region": region}}],
                }
            )
    payload = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "aixgo",
                        "version": __version__,
                        "informationUri": "https://aixgo.dev",
                        "rules": list(rules.values()),
                    }
                },
                "results": sarif_results,
            }
        ],
    }
    return json.dumps(payload, indent=2)
