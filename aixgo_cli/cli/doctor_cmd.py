"""`aixgo doctor [WORKFLOW...]`: is this machine ready to run workflows? Exit 1 on any failed check."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

import typer

HELP = (
    "Check the environment: Python, aixgo and LiteLLM versions (against the excluded releases), the\n"
    "keyring backend (and how to configure one on a headless machine), the journal's path, size and\n"
    "permissions. Given workflows, also which source (environment or keyring) supplies each secret they\n"
    "need, never the value; with --check-providers, one cheap call per model endpoint they use.\n"
    "Exit 0 when nothing failed (warnings allowed), 1 when a check failed."
)


def doctor(
    workflows: list[Path] = typer.Argument(None, metavar="[WORKFLOW...]", help="Workflows to check."),
    check_providers: bool = typer.Option(
        False, "--check-providers", help="Call each model endpoint the workflows use (GET /models)."
    ),
    json_out: bool = typer.Option(False, "--json", help="One JSON object: {ok, checks: [...]}."),
    db: Path | None = typer.Option(None, "--db", help="Journal database (default: under AIXGO_HOME)."),
    tls_cert: Path | None = typer.Option(
        None, "--tls-cert", metavar="FILE", help="A certificate for `aixgo serve`: show when it expires."
    ),
) -> int:
    from aixgo_cli.cli import doctor_checks as checks
    from aixgo_cli.render.style import Style, color_enabled

    results = [*checks.versions(), checks.keyring_check(), checks.journal_check(db)]
    for workflow in workflows or []:
        results.extend(checks.workflow_checks(workflow, check_providers))
    if tls_cert is not None:
        results.append(checks.certificate_check(tls_cert))
    if check_providers and not workflows:
        results.append(
            checks.Check(
                "providers", "warn", "--check-providers needs a workflow", "aixgo doctor WORKFLOW --check-providers"
            )
        )
    ok = all(c.status != "fail" for c in results)
    if json_out:
        sys.stdout.write(json.dumps({"ok": ok, "checks": [asdict(c) for c in results]}, indent=2) + "\n")
        return 0 if ok else 1
    style = Style(color_enabled(sys.stdout))
    paint = {"ok": style.cyan, "warn": style.yellow, "fail": style.red}
    for check in results:
        sys.stdout.write(f"[{paint[check.status](check.status)}] {check.name}: {check.message}\n")
        if check.hint and check.status != "ok":
            sys.stdout.write(f"       {style.cyan('hint')}: {check.hint}\n")
    failed = sum(c.status == "fail" for c in results)
    warned = sum(c.status == "warn" for c in results)
    if failed:
        sys.stdout.write(style.red(f"{failed} check{'s' * (failed != 1)} failed") + f", {warned} warning(s)\n")
    else:
        sys.stdout.write(style.bold("all checks passed") + (f" ({warned} warning(s))" if warned else "") + "\n")
    return 0 if ok else 1
