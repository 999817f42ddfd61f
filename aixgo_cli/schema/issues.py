"""One problem found in a workflow file, with its position and a hint.

Every check, from YAML syntax to semantic rules, reports through this one shape, so every output format
(text with an excerpt, JSON, SARIF) renders every problem the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]
PathPart = str | int


@dataclass(frozen=True, order=True)
class Issue:
    """A problem at `file:line:column` (1-based). `code` is a stable kebab-case identifier."""

    file: str
    line: int
    column: int
    severity: Severity = field(compare=False)
    code: str = field(compare=False)
    message: str = field(compare=False)
    hint: str | None = field(default=None, compare=False)
    path: tuple[PathPart, ...] = field(default=(), compare=False)
    end_column: int | None = field(default=None, compare=False)

    @property
    def json_path(self) -> str:
        return json_path(self.path)


def json_path(path: tuple[PathPart, ...]) -> str:
    out = "$"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out
