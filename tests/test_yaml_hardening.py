"""Hostile or odd YAML gets exit 2 with a positioned issue, never a crash.

Deep nesting is checked in a subprocess: before the depth limit ran ahead of composing, libyaml's
recursion killed the process (exit 139), which would take the test run down with it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from aixgo_cli.config.validate import validate_bytes

REPO = Path(__file__).resolve().parents[1]
HEAD = "version: 1\nname: x\nagents:\n  - name: a\n    role: react\n    model: openai/gpt-4o-mini\n    prompt: hi\n"


def _codes(text: str) -> list[tuple[str, int, int]]:
    report = validate_bytes(text.encode(), "wf.yaml")
    return [(i.code, i.line, i.column) for i in report.errors]


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("!!bool maybe", "yaml-value"),
        ("!!int abc", "yaml-value"),
        ("!!float many", "yaml-value"),
        ("!!timestamp nope", "yaml-value"),
        ("!!timestamp 2024-02-30", "yaml-value"),
        ("2023-02-29", "yaml-value"),  # implicit date that does not exist
        ("!!set {a, b}", "yaml-tag"),
        ("!!omap [a: 1]", "yaml-tag"),
        ("!!pairs [a: 1]", "yaml-tag"),
        ("!!binary aGVsbG8=", "yaml-tag"),
        ("!!binary '%%%'", "yaml-tag"),
        ("!!python/tuple [1, 2]", "yaml-tag"),
        ("!!python/name:os.system", "yaml-tag"),
        ("!custom value", "yaml-tag"),
        ("!<tag:example.com,2024:thing> value", "yaml-tag"),
        ("!!map text", "yaml-tag"),
        ("!!seq text", "yaml-tag"),
        ("!!str [a]", "yaml-tag"),
        ("=", "yaml-value"),  # YAML 1.1's `value` key, unquoted
        ("<<", "yaml-value"),
        ("1" * 5000, "yaml-value"),
        ("-" + "7" * 4400, "yaml-value"),
        ("1_" + "0" * 4400, "yaml-value"),
        ("[ok, {deeper: !!int x}]", "yaml-value"),
    ],
)
def test_a_tag_or_value_yaml_cannot_build_is_a_positioned_issue(value: str, code: str) -> None:
    found = _codes(HEAD + f"description: {value}\n")
    assert found, value
    assert found[0][0] == code
    assert found[0][1] == 8  # the line of `description:`


@pytest.mark.parametrize(
    "text",
    [
        "!!int abc: 1\n",
        "base: &b {x: !!bool maybe}\nother:\n  <<: *b\n",
        "other:\n  <<: {y: !!int q}\n",
        "? !!set {a}\n: 1\n",
    ],
)
def test_keys_and_merged_mappings_are_checked_too(text: str) -> None:
    found = _codes(HEAD + text)
    assert found
    assert found[0][0] in {"yaml-tag", "yaml-value", "complex-key"}


def test_the_cli_reports_a_bad_tag_with_exit_2_not_an_internal_error(tmp_path: Path) -> None:
    from aixgo_cli.cli import main

    path = tmp_path / "wf.yaml"
    path.write_text(HEAD + "description: !!bool maybe\n", encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    assert main(["run", str(path)]) == 2


def _deep(kind: str, levels: int) -> str:
    if kind == "flow-seq":
        return "version: 1\nname: x\nagents: " + "[" * levels + "]" * levels + "\n"
    if kind == "flow-map":
        return "version: 1\nname: x\nagents: " + "{a: " * levels + "}" * levels + "\n"
    if kind == "compact-seq":
        return "version: 1\nname: x\nagents:\n" + "- " * levels + "x\n"
    if kind == "block-map":  # one space more per level: about levels**2 / 2 bytes
        return (
            "version: 1\nname: x\nagents:\n"
            + "".join(" " * i + f"k{i}:\n" for i in range(1, levels))
            + " " * levels
            + "k: 1\n"
        )
    raise AssertionError(kind)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("kind", "levels"),
    [("flow-seq", 60_000), ("flow-map", 40_000), ("compact-seq", 200_000), ("block-map", 2_500)],
)
def test_deep_nesting_is_refused_before_the_parser_recurses(tmp_path: Path, kind: str, levels: int) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text(_deep(kind, levels), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1"}
    for command in ("validate", "run"):
        done = subprocess.run(
            [sys.executable, "-m", "aixgo_cli", command, str(path)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 2, (command, done.returncode, done.stderr[-500:])
        assert "error[yaml-too-complex]: the document nests deeper than 40 levels" in done.stderr
        assert "internal error" not in done.stderr
        assert max(len(line) for line in done.stderr.splitlines()) < 400  # the excerpt is clipped
