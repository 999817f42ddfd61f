"""Parsing a ReAct planning transcript (Thought / Action / Observation) into plan steps.

The format, one block per step:

    Thought: why this step, now
    Action: the step
    Requires: 1, 2          (optional: earlier actions it needs; `none`; default: the previous action)
    Complexity: medium      (optional: low | medium | high; default medium)
    Confidence: 0.8         (optional: 0 to 1, or a percentage; default 0.5)
    Alternative: other way | its trade-offs   (optional, repeatable)
    Observation: the result expected once the action is done

and a closing `Final: ...` line, after which nothing is read. Labels may carry a number (`Action 3:`),
a list marker or Markdown bold. A line without a label continues the field above it. Every departure
from the format is reported, by action number, so that it can be fed back to the model: an action
without a Thought before it or an Observation after it, two actions in one block, a `Requires` naming a
step that is not earlier, an unknown complexity, a confidence outside 0-1, or more actions than allowed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from aixgo_cli.agents.planner.schemas import LEVELS

_LABEL = re.compile(
    r"^(thought|action|observation|requires|complexity|confidence|alternative|final answer|final)"
    r"(?:\s*#?\d+)?\s*\**\s*:\s*\**\s*(.*)$",
    re.IGNORECASE,
)
_NONE = {"", "none", "nothing", "-", "n/a", "no", "[]"}
DEFAULT_CONFIDENCE = 0.5


@dataclass
class _Block:
    thought: str | None = None
    action: str | None = None
    observation: str | None = None
    requires: str | None = None
    complexity: str | None = None
    confidence: str | None = None
    alternatives: list[str] = field(default_factory=list)


def entries(text: str) -> list[tuple[str, str]]:
    """(label, text) pairs in order; unlabelled lines continue the previous entry; stops at Final."""
    out: list[tuple[str, str]] = []
    for line in text.splitlines():
        match = _LABEL.match(line.strip().lstrip("-*#> ").strip())
        if match:
            label = match.group(1).lower()
            if label.startswith("final"):
                break
            out.append((label, match.group(2).strip()))
        elif out and line.strip():
            label, previous = out[-1]
            out[-1] = (label, f"{previous}\n{line.strip()}".strip())
    return out


def parse_transcript(text: str, max_steps: int) -> tuple[list[dict[str, Any]], list[str]]:
    """The steps of a transcript (raw fields, numbered from 1) and every problem found in it."""
    problems: list[str] = []
    blocks: list[_Block] = []
    current: _Block | None = None
    for label, value in entries(text):
        if label == "thought":
            if current is None or current.action is not None:
                current = _Block()
                blocks.append(current)
            current.thought = f"{current.thought}\n{value}" if current.thought else value
        elif label == "action":
            if current is None or current.action is not None:
                current = _Block()
                blocks.append(current)
            current.action = value
        elif current is None or current.action is None:
            problems.append(f"a '{label.capitalize()}:' line comes before any Action it could belong to")
        elif label == "alternative":
            current.alternatives.append(value)
        else:
            setattr(current, label, value)
    actions = [b for b in blocks if b.action is not None]
    if not actions:
        return [], ["the transcript has no 'Action:' lines; write one Thought/Action/Observation block per step"]
    if len(actions) > max_steps:
        problems.append(f"the transcript has {len(actions)} actions; at most {max_steps} are allowed")
    steps = []
    for number, block in enumerate(actions, 1):
        steps.append(_step(block, number, problems))
    return steps, problems


def _step(block: _Block, number: int, problems: list[str]) -> dict[str, Any]:
    where = f"action {number}"
    if not block.thought:
        problems.append(f"{where} has no 'Thought:' before it")
    if not block.action:
        problems.append(f"{where} is empty")
    if not block.observation:
        problems.append(f"{where} has no 'Observation:' after it")
    complexity = (block.complexity or "medium").strip().lower().rstrip(".")
    if complexity not in LEVELS:
        problems.append(f"{where} has complexity '{block.complexity}'; use low, medium or high")
    return {
        "step_number": number,
        "action": block.action or "",
        "reasoning": block.thought or "",
        "prerequisites": _requires(block.requires, number, problems),
        "expected_outcome": block.observation or "",
        "complexity": complexity if complexity in LEVELS else "medium",
        "confidence": _confidence(block.confidence, where, problems),
        "alternatives": [_alternative(text) for text in block.alternatives],
    }


def _requires(text: str | None, number: int, problems: list[str]) -> list[int]:
    if text is None:
        return [number - 1] if number > 1 else []
    if text.strip().lower().rstrip(".") in _NONE:
        return []
    found = [int(n) for n in re.findall(r"\d+", text)]
    if not found:
        problems.append(f"action {number} has 'Requires: {text}'; list earlier action numbers, or none")
    for prerequisite in found:
        if not 1 <= prerequisite < number:
            problems.append(
                f"action {number} requires {prerequisite}, which is not an earlier action "
                "(an action may require only earlier ones)"
            )
    return sorted({p for p in found if 1 <= p < number})


def _confidence(text: str | None, where: str, problems: list[str]) -> float:
    if text is None:
        return DEFAULT_CONFIDENCE
    raw = text.strip().rstrip(".")
    try:
        value = float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 1:
        problems.append(f"{where} has confidence '{text}'; use a number from 0 to 1")
        return DEFAULT_CONFIDENCE
    return value


def _alternative(text: str) -> dict[str, str]:
    action, _, trade_offs = text.partition("|")
    return {"action": action.strip(), "reasoning": "", "trade_offs": trade_offs.strip()}
