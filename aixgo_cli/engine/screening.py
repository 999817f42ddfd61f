"""Prompt-injection screening on the paths the engine owns: every role's input, every tool result and
every MCP tool description. (The react agent also fences a suspicious input itself: react_screening.py.)

Each agent chooses what a detection does with `prompt_injection.action`:
* `flag` (default): the text goes on unchanged, and the detection is reported (an `injection_detected`
  event, which the run also writes to the audit log);
* `block`: an input stops the step (exit 1, resumable once the input is fixed); a tool result is
  replaced by an error the model reads; an MCP tool whose description is suspicious is not offered.

Screening is a pure function of the text, so a resumed run decides exactly as the first one did. A
tool result is screened before it is journaled, so a replay returns the already screened result.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Literal

from aixgo_cli.agents.registry import ROLES
from aixgo_cli.config.model import AgentSpec
from aixgo_cli.errors import RunError, resume_step
from aixgo_cli.events import InjectionDetected
from aixgo_cli.security.prompt_injection import Detection, Sensitivity, detect
from aixgo_cli.tools.base import Tool

Action = Literal["flag", "block"]


@dataclass(frozen=True)
class ScreeningPolicy:
    action: Action = "flag"
    sensitivity: Sensitivity = "medium"

    @classmethod
    def of(cls, spec: AgentSpec) -> ScreeningPolicy:
        block = spec.prompt_injection
        return cls(action=block.get("action", "flag"), sensitivity=block.get("sensitivity", "medium"))

    def screen_result(self, ctx: Any, unit_key: str, agent: str, name: str, result: str) -> str:
        detection = detect(result, self.sensitivity)
        if not detection.detected:
            return result
        blocked = self.action == "block"
        _report(ctx, unit_key, agent, "tool_result", detection, "blocked" if blocked else "flagged")
        if blocked:
            return (
                f"error: the result of {name} was withheld: it looks like a prompt injection "
                f"({detection.category}); do not retry the same call"
            )
        return result

    def screen_input(self, ctx: Any, unit_key: str, spec: AgentSpec, payload: Any) -> None:
        """Report a suspicious input of a model-calling role; with `block`, stop the step."""
        role = ROLES.get(spec.role)
        if role is None or not role.needs_model or (role.screens_own_input and self.action == "flag"):
            return  # nothing to decide: react fences and reports a flagged input itself
        detection = _first_detection(payload, self.sensitivity)
        if detection is None:
            return
        if self.action == "block":
            _report(ctx, unit_key, spec.name, "input", detection, "blocked")
            raise RunError(
                f"agent '{spec.name}': its input looks like a prompt injection ({detection.category}: "
                f"{', '.join(detection.matched_patterns)}), and the agent blocks such input",
                hint="check the input; to let it through, set prompt_injection.action: flag on the agent; then:",
                next_step=resume_step(),
            )
        _report(ctx, unit_key, spec.name, "input", detection, "flagged")

    def screen_descriptions(self, ctx: Any, spec: AgentSpec, tools: dict[str, Tool]) -> dict[str, Tool]:
        """MCP tool descriptions are text a server chose: screened before a model reads them."""
        kept: dict[str, Tool] = {}
        for name, tool in tools.items():
            detection = detect(tool.description, self.sensitivity) if tool.kind == "mcp" else None
            if detection is None or not detection.detected:
                kept[name] = tool
                continue
            blocked = self.action == "block"
            _report(ctx, "", spec.name, f"tool_description:{name}", detection, "blocked" if blocked else "flagged")
            if not blocked:
                kept[name] = tool
        return kept


def _first_detection(value: Any, sensitivity: Sensitivity) -> Detection | None:
    if isinstance(value, str):
        detection = detect(value, sensitivity)
        return detection if detection.detected else None
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        for item in value:
            found = _first_detection(item, sensitivity)
            if found is not None:
                return found
    return None


def _report(ctx: Any, unit_key: str, agent: str, source: str, detection: Detection, action: str) -> None:
    ctx.emit(
        InjectionDetected(
            run_id=ctx.run_id,
            at=time.time(),
            unit_key=unit_key,
            agent=agent,
            source=source,
            category=detection.category or "unknown",
            confidence=detection.confidence,
            matched_patterns=detection.matched_patterns,
            action=action,
        )
    )
