"""Workflow text, a tool module and model replies shared by the react tests.

The tool appends one line per call to `calls.log` beside the workflow, so a test can count how often it
really ran (across a resume, too).
"""

from __future__ import annotations

import json
import textwrap
from typing import Any

from tests.engine.engine_helpers import Harness

from aixgo_cli.providers.types import ChatRequest

TOOLS = '''\
from pathlib import Path

HERE = Path(__file__).parent


def lookup_order(order_id: str) -> dict:
    """Look up an order by its id."""
    with (HERE / "calls.log").open("a", encoding="utf-8") as log:
        log.write(order_id + "\\n")
    return {"order_id": order_id, "status": "shipped"}
'''

QUESTION = "Where is order A-1?"


def setup(
    h: Harness,
    react_config: str = "tool_protocol: text",
    *,
    extra: str = "",
    model: str = "fake/react",
    top: str = "",
    tools: bool = True,
    tool_source: str = TOOLS,
) -> None:
    """One react agent with the lookup_order tool; `react_config` and `extra` are YAML for the agent."""
    module = h.tool_module(tool_source)
    lines = [f"name: support\nrole: react\nmodel: {model}\nprompt: You are a support agent."]
    if tools:
        lines.append("tools: [lookup_order]")
    if react_config:
        lines.append("react_config:\n" + textwrap.indent(textwrap.dedent(react_config).strip(), "  "))
    if extra:
        lines.append(textwrap.dedent(extra).strip())
    agent = textwrap.indent("\n".join(lines), "    ").replace("    name: support", "  - name: support", 1)
    h.write(
        "version: 1\nname: react\n"
        + textwrap.dedent(top)
        + f"tools:\n  - name: lookup_order\n    type: python\n    callable: {module}:lookup_order\n"
        + "agents:\n"
        + agent
        + "\n"
    )


def tool_log(h: Harness) -> list[str]:
    path = h.root / "calls.log"
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def act(order_id: str = "A-1", thought: str = "I should look the order up.") -> str:
    return f"Thought: {thought}\nAction: lookup_order\nAction Input: {json.dumps({'order_id': order_id})}"


def final(answer: Any) -> str:
    text = answer if isinstance(answer, str) else json.dumps(answer)
    return f"Thought: I can answer now.\nFinal Answer: {text}"


def contents(request: ChatRequest) -> list[tuple[str, str]]:
    return [(m.role, m.content or "") for m in request.messages]


def is_verification(request: ChatRequest) -> bool:
    return request.temperature == 0.1 and "done or continue" in request.last_user_text()
