"""Validation does work linear in the size of the workflow.

Counted, not timed: the number of Python function calls made while validating N and 2N agents. A loop
over every agent inside a per-agent check (the quadratic shape) doubles this ratio to about 4; linear
work keeps it at 2. Figures in seconds are printed by benchmarks/bench_validate.py.
"""

from __future__ import annotations

import cProfile
import pstats

import pytest

from aixgo_cli.config.validate import validate_bytes
from aixgo_cli.testing.large_workflows import SHAPES, large_workflow


def _calls(text: str) -> int:
    profile = cProfile.Profile()
    profile.enable()
    report = validate_bytes(text.encode(), "large.yaml")
    profile.disable()
    assert report.issues is not None
    return int(pstats.Stats(profile).total_calls)  # type: ignore[attr-defined]


@pytest.mark.parametrize("shape", SHAPES)
def test_validation_work_grows_linearly_with_the_number_of_agents(shape: str) -> None:
    small, large = _calls(large_workflow(shape, 300)), _calls(large_workflow(shape, 600))
    assert large / small < 2.3, f"{shape}: {small} calls for 300 agents, {large} for 600"


def test_the_error_shapes_really_report_problems() -> None:
    codes = {i.code for i in validate_bytes(large_workflow("misspelt", 50).encode(), "x.yaml").errors}
    assert "unknown-agent" in codes
    codes = {i.code for i in validate_bytes(large_workflow("templates", 50).encode(), "x.yaml").errors}
    assert codes


def test_the_names_checks_look_up_are_built_once_per_validation() -> None:
    """Rebuilding the set of agent and flow names for every reference was the quadratic loop of the
    graph checks (the rebuild happens inside one call, so the count above cannot see it)."""
    from aixgo_cli.config.context import CheckContext
    from aixgo_cli.schema.yaml_loader import load_workflow_bytes

    ctx = CheckContext(load_workflow_bytes(large_workflow("flows", 20).encode(), "x.yaml"))
    assert ctx.members is ctx.members
    assert {"a0", "a19", "f0", "f3"} <= ctx.members
