"""Seams the engine keeps: what its modules may not reach around.

Read from the source with `ast`, so a new module that breaks a rule fails here with its place, rather
than in review."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "aixgo_cli"
BELOW_THE_CLI = ("agents", "engine", "patterns", "tools", "knowledge")


def _modules(*folders: str) -> list[Path]:
    return sorted(path for folder in folders for path in (PACKAGE / folder).rglob("*.py"))


def _attributes(path: Path) -> list[tuple[int, str, str]]:
    """(line, object, attribute) of every `object.attribute` whose object is a plain name or attribute."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute):
            owner = node.value
            name = owner.id if isinstance(owner, ast.Name) else owner.attr if isinstance(owner, ast.Attribute) else ""
            found.append((node.lineno, name, node.attr))
    return found


@pytest.mark.parametrize("path", _modules(*BELOW_THE_CLI), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_below_the_cli_writes_to_the_process_streams(path: Path) -> None:
    """Agents write through the invocation's output sink; the host of the run decides the streams."""
    used = [(line, attr) for line, owner, attr in _attributes(path) if owner == "sys" and attr in ("stdout", "stderr")]
    assert used == [], f"{path.relative_to(PACKAGE)} uses sys.{used[0][1]} on line {used[0][0]}"


@pytest.mark.parametrize("path", _modules("engine", "patterns"), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_the_engine_and_the_patterns_read_typed_specs_not_the_raw_workflow(path: Path) -> None:
    """What the engine needs is read once at load time into `AgentSpec`, `FlowSpec` and `Workflow` fields."""
    used = [line for line, _, attr in _attributes(path) if attr == "raw"]
    assert used == [], f"{path.relative_to(PACKAGE)} reads `.raw` on line {used[0]}"
