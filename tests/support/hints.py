"""The hint of an error as the CLI shows it: its prose and its next step's command (cli/error_report.py)."""

from __future__ import annotations

from aixgo_cli.cli.error_report import shown_hint
from aixgo_cli.errors import AixgoError


def hint_of(error: BaseException | None) -> str:
    return (shown_hint(error) or "") if isinstance(error, AixgoError) else ""
