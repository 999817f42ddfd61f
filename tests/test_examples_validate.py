"""Every example in workflows/ is valid, without a single warning.

The examples are how newcomers learn the format, so a warning in one of them teaches a bad habit. They
are checked in-process (fast, and a failure names each issue with its position) and once through the
real command line, which is what the README tells people to run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from aixgo_cli.config.validate import validate_path

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((REPO / "workflows").glob("*.yaml"))
# The examples the documentation promises; more may be added, none of these may disappear.
PROMISED = {"hello", "jsonl-pipeline", "support-triage", "research-fanout", "code-review", "planner-workers"}


def test_the_promised_examples_exist() -> None:
    assert {p.stem for p in EXAMPLES} >= PROMISED


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_is_valid_without_warnings(path: Path) -> None:
    report = validate_path(path, f"workflows/{path.name}")
    problems = [f"{i.file}:{i.line}:{i.column}: {i.severity}[{i.code}]: {i.message}" for i in report.issues]
    assert report.loaded.data is not None
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_uses_a_known_model(path: Path) -> None:
    # The examples run in CI against a stub of the OpenAI API, and a reader can run them with one key.
    data = validate_path(path).loaded.data
    services = {s["name"] for s in data.get("model_services", [])}
    for agent in data["agents"]:
        model = agent.get("model")
        assert model is None or model == "openai/gpt-4o-mini" or model in services, (path.name, agent["name"])


@pytest.mark.slow
def test_cli_validates_every_example_strictly() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1"}
    names = [str(p.relative_to(REPO)) for p in EXAMPLES]
    result = subprocess.run(
        [sys.executable, "-m", "aixgo_cli", "validate", "--strict", *names],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""  # text format: the report goes to stderr, stdout is kept for results
    for name in names:
        assert f"{name}: valid" in result.stderr
    assert f"0 errors, 0 warnings in {len(names)} files" in result.stderr
