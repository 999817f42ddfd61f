"""Workflow text and model replies shared by the classifier tests."""

from __future__ import annotations

import json
import textwrap
from typing import Any

from aixgo_cli.providers.types import ChatRequest

CATEGORIES = """\
categories:
  - name: billing
    description: Charges, invoices and refunds.
    keywords: [invoice, refund, charge]
    examples: ["I was charged twice this month.", "Where is my receipt?"]
  - name: technical
    description: Something in the product does not work.
    keywords: [error, crash, "500"]
  - name: general
"""


def workflow(config: str = "", *, agent_extra: str = "", top_extra: str = "", model: str = "fake/cls") -> str:
    """One classifier agent (CATEGORIES plus `config` in its classifier_config) that reads the run input."""
    block = textwrap.indent(CATEGORIES + textwrap.dedent(config), " " * 6)
    extra = textwrap.indent(textwrap.dedent(agent_extra), " " * 4)
    return (
        "version: 1\nname: cls\n"
        + textwrap.dedent(top_extra)
        + f"agents:\n  - name: triage\n    role: classifier\n    model: {model}\n"
        + extra
        + "    classifier_config:\n"
        + block
    )


def answer(category: Any, confidence: float = 0.9, reasoning: str = "because", **extra: Any) -> str:
    return json.dumps({"category": category, "confidence": confidence, "reasoning": reasoning, **extra})


def labels(*pairs: tuple[str, float], reasoning: str = "because") -> str:
    return json.dumps({"categories": [{"category": c, "confidence": p} for c, p in pairs], "reasoning": reasoning})


def system_text(request: ChatRequest) -> str:
    return request.messages[0].content or ""


def user_text(request: ChatRequest) -> str:
    return request.messages[1].content or ""
