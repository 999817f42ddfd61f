"""`validate` and `run` share this one path: load, schema, then every semantic check, all at once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aixgo_cli.config.context import CheckContext
from aixgo_cli.config.graph_checks import check_graph
from aixgo_cli.config.knowledge_checks import check_knowledge
from aixgo_cli.config.nesting_checks import check_nesting
from aixgo_cli.config.orchestration_checks import check_orchestration
from aixgo_cli.config.reference_checks import check_references
from aixgo_cli.config.session_checks import check_session
from aixgo_cli.config.supervisor_checks import check_supervisor
from aixgo_cli.config.template_checks import check_templates
from aixgo_cli.config.tool_checks import check_tools
from aixgo_cli.schema.go_keys import looks_like_go_config
from aixgo_cli.schema.issues import Issue
from aixgo_cli.schema.positions import position
from aixgo_cli.schema.suggest import suggestion_budget
from aixgo_cli.schema.validator import schema_issues
from aixgo_cli.schema.yaml_loader import LoadedWorkflow, load_workflow_bytes, load_workflow_file


@dataclass
class ValidationReport:
    loaded: LoadedWorkflow
    issues: list[Issue]

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors


def validate_loaded(loaded: LoadedWorkflow) -> ValidationReport:
    # Suggestions compare a name with every candidate; the budget keeps a file with thousands of
    # misspelt names among thousands of agents linear (see schema/suggest.py).
    with suggestion_budget():
        return _validate_loaded(loaded)


def _validate_loaded(loaded: LoadedWorkflow) -> ValidationReport:
    issues = list(loaded.issues)
    if loaded.data is not None and not any(i.code in _FATAL_LOAD_CODES for i in issues):
        if not isinstance(loaded.data, dict):
            is_list = isinstance(loaded.data, list)
            kind = "a list" if is_list else f"a single value ({loaded.data!r})"
            line, column, _ = position(loaded.root, ())  # the first line of content, past any comments
            issues.append(
                Issue(
                    file=loaded.file,
                    line=line,
                    column=column,
                    severity="error",
                    code="not-a-mapping",
                    message=f"the top level of a workflow must be a mapping, but this file is {kind}",
                    hint="put these entries under `agents:`, with `version: 1` and `name: ...` above it"
                    if is_list
                    else "start with `version: 1`, `name: ...` and `agents:` at the top level",
                )
            )
        else:
            issues.extend(schema_issues(loaded))
            ctx = CheckContext(loaded)
            check_references(ctx)
            check_graph(ctx)
            check_orchestration(ctx)
            check_supervisor(ctx)
            check_nesting(ctx)
            check_session(ctx)
            check_templates(ctx)
            check_tools(ctx)
            check_knowledge(ctx)
            issues.extend(ctx.issues)
            if looks_like_go_config(loaded.data):
                issues.append(_go_config_issue(loaded))
    return ValidationReport(loaded, sorted(_dedupe(issues)))


def _go_config_issue(loaded: LoadedWorkflow) -> Issue:
    line, column, _ = position(loaded.root, ())
    return Issue(
        file=loaded.file,
        line=line,
        column=column,
        severity="warning",
        code="go-config",
        message="this looks like a Go aixgo config (no `version:`), which format v1 reads differently",
        hint=f"rewrite it with: aixgo migrate {loaded.file} -o NEW.yaml",
    )


_FATAL_LOAD_CODES = {"yaml-syntax", "yaml-too-complex", "binary-file", "not-utf8", "empty-file", "file-too-large"}


def _dedupe(issues: list[Issue]) -> list[Issue]:
    # `on:` is both a YAML 1.1 boolean key and an unknown key; "unknown key" is the fix ("quote it" is not).
    unknown_at = {(i.line, i.column) for i in issues if i.code == "unknown-key"}
    seen: set[tuple[int, int, str]] = set()
    out = []
    for issue in issues:
        if issue.code == "yaml11-key" and (issue.line, issue.column) in unknown_at:
            continue
        key = (issue.line, issue.column, issue.message)
        if key not in seen:
            seen.add(key)
            out.append(issue)
    return out


def validate_path(path: Path, display_name: str | None = None) -> ValidationReport:
    return validate_loaded(load_workflow_file(path, display_name))


def validate_bytes(raw: bytes, name: str) -> ValidationReport:
    return validate_loaded(load_workflow_bytes(raw, name))
