"""`aixgo migrate`'s report: one line per change, in the form `validate` uses (file:line:col, hint)."""

from __future__ import annotations

from collections.abc import Sequence

from aixgo_cli.config.migrate_notes import Change
from aixgo_cli.render.style import Style


def change_text(file: str, change: Change, style: Style) -> str:
    colour = {"changed": style.cyan, "dropped": style.yellow, "unresolved": style.red}[change.kind]
    head = f"{style.bold(f'{file}:{change.line}:{change.column}')}: {colour(change.kind)}[{change.code}]: "
    text = head + change.message
    if change.hint:
        text += f"\n  {style.cyan('hint')}: {change.hint}"
    return text


def migrate_summary(changes: Sequence[Change], errors: int, warnings: int, target: str, style: Style) -> str:
    counts = {kind: sum(c.kind == kind for c in changes) for kind in ("changed", "dropped", "unresolved")}
    text = f"{counts['changed']} changed, {counts['dropped']} dropped, {counts['unresolved']} unresolved; "
    if errors:
        return text + style.red(f"{target} still has {errors} error{'s' * (errors != 1)}: fix them by hand")
    tail = f" ({warnings} warning{'s' * (warnings != 1)})" if warnings else ""
    return text + style.bold(f"{target} is a valid workflow{tail}")
