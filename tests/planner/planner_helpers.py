"""Workflow text and model replies shared by the planner tests."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Sequence
from typing import Any

from tests.engine.engine_helpers import Harness

from aixgo_cli.engine.runner import RunOutcome, RunParams
from aixgo_cli.providers.types import ChatRequest
from aixgo_cli.testing.fake_client import Reply, ScriptedClient

PROBLEM = "Move the team's wiki from Confluence to a docs-as-code site by the end of the quarter."
FRAME: dict[str, Any] = {
    "analysis": {
        "problem_type": "migration",
        "domain": "documentation",
        "constraints": ["end of quarter"],
        "available_resources": ["two writers"],
        "key_challenges": ["broken links"],
        "assumptions": ["Confluence export works"],
    },
    "success_criteria": ["every page is served from the new site"],
    "risk_assessment": {
        "overall_risk": "medium",
        "risk_factors": [{"factor": "lost images", "severity": "high", "likelihood": 0.3, "impact": "pages break"}],
        "mitigation_steps": ["check every page after import"],
    },
    "backup_plans": [
        {"trigger_condition": "export fails", "description": "copy by hand", "alternative_steps": ["copy pages"]}
    ],
    "estimated_duration": "three weeks",
}
RESULT_KEYS = [
    "problem",
    "analysis",
    "steps",
    "execution_strategy",
    "critical_path",
    "parallel_groups",
    "backup_plans",
    "success_criteria",
    "risk_assessment",
    "total_complexity",
    "estimated_duration",
    "tokens_used",
    "planning_strategy",
    "self_critique",
]
STEP_KEYS = [
    "step_number",
    "action",
    "reasoning",
    "prerequisites",
    "expected_outcome",
    "complexity",
    "can_parallelize",
    "alternatives",
    "confidence",
]


def workflow(config: str = "", *, prompt: str | None = None, model: str = "fake/planner", top_extra: str = "") -> str:
    """One planner agent reading the run input, with `config` as its planner_config body."""
    block = textwrap.indent(textwrap.dedent(config), " " * 6) if config.strip() else ""
    text = "version: 1\nname: plan\n" + textwrap.dedent(top_extra)
    text += f"agents:\n  - name: planner\n    role: planner\n    model: {model}\n"
    if prompt is not None:
        text += f"    prompt: {json.dumps(prompt)}\n"
    if block:
        text += "    planner_config:\n" + block
    return text


def step(
    number: int, action: str, prerequisites: Sequence[int] = (), complexity: str = "medium", **extra: Any
) -> dict[str, Any]:
    return {
        "step_number": number,
        "action": action,
        "reasoning": f"why {action}",
        "prerequisites": list(prerequisites),
        "expected_outcome": f"{action} done",
        "complexity": complexity,
        "confidence": extra.pop("confidence", 0.8),
        **extra,
    }


def plan_reply(*steps: dict[str, Any], **frame: Any) -> str:
    return json.dumps({**FRAME, **frame, "steps": list(steps)})


def simple_plan(label: str = "a", count: int = 2) -> str:
    """A valid chain of `count` steps whose actions start with `label`."""
    return plan_reply(*(step(n, f"{label}{n}", [n - 1] if n > 1 else []) for n in range(1, count + 1)))


def scores(*marks: float, weakness: str = "thin") -> str:
    """A judge's reply giving each candidate the same mark on all four criteria."""
    entries = [
        {
            "candidate": n,
            "completeness": m,
            "feasibility": m,
            "efficiency": m,
            "clarity": m,
            "weakness": f"{weakness} {n}",
        }
        for n, m in enumerate(marks, 1)
    ]
    return json.dumps({"scores": entries})


def run(
    harness: Harness, text: str, replies: Sequence[Reply], problem: str = PROBLEM
) -> tuple[RunOutcome, ScriptedClient]:
    harness.write(text)
    client = ScriptedClient(replies)
    return harness.start(client, RunParams(input=problem)), client


def user_text(request: ChatRequest) -> str:
    return request.last_user_text()


def system_text(request: ChatRequest) -> str:
    return request.messages[0].content or ""
