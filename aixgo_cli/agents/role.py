"""What the engine needs to know about a role, held in one place instead of compared by name.

The runner, the units, screening and wiring ask the role: does it call a model, where does it sit in a
lane (a `source` feeds the lane, a `sink` writes its result out, a `step` transforms it), does it use
tools and keep a session, and which model parameters it defaults to when nothing in the workflow sets them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from aixgo_cli.agents.base import Agent

LaneKind = Literal["source", "sink", "step"]


@dataclass(frozen=True)
class Role:
    name: str
    run: Agent
    needs_model: bool
    lane: LaneKind = "step"
    # The lowest rung of the one precedence rule for model parameters (`agents/prompts.chat_request`):
    # role block > agent `parameters` > model service `parameters` > these defaults.
    model_defaults: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    config_type: type | None = None  # the frozen settings its role block is read into, if it has one
    uses_tools: bool = False
    keeps_session: bool = False  # its exchanges join the run's conversation session (`session:`)
    screens_own_input: bool = False  # it fences and reports a flagged input itself (react)
