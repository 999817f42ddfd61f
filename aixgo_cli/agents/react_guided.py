"""Guided mode: after each tool-using turn, one short journaled call asks whether the task is done.

The verification call sees a compact transcript (the task, then each tool call with its result), not the
loop's own conversation: that keeps it cheap, and provider-neutral, since some providers refuse a
conversation with tool-call messages when no tools are offered. It runs at temperature 0.1 with a small
token bound, and its answer is read as `done` or `continue`; anything unclear counts as `continue`, which
is safe because the loop is bounded anyway.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from aixgo_cli.agents.base import Invocation
from aixgo_cli.agents.prompts import chat_request, uses_input
from aixgo_cli.providers.types import ChatMessage

VERIFY_TEMPERATURE = 0.1
VERIFY_MAX_TOKENS = 16
RESULT_PREVIEW_CHARS = 1000
DEFAULT_VERIFICATION_PROMPT = (
    "Is the task fully accomplished, so that the results so far are enough for a final answer?"
)
VERIFY_SYSTEM = (
    "You check the progress of an assistant that uses tools to accomplish a task. "
    "Answer with exactly one word: done or continue."
)
_VERDICT = re.compile(r"\b(done|continue)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Step:
    tool: str
    arguments_json: str
    result: str


def verify(invocation: Invocation, steps: Sequence[Step]) -> bool:
    """True when the model judges the task done."""
    template = str(invocation.spec.guided.get("verification_prompt") or DEFAULT_VERIFICATION_PROMPT)
    question = invocation.render(template, invocation.template_context()).strip()
    parts = [question]
    if not uses_input(template):
        parts.append("Task:\n" + invocation.text)
    parts.append("Steps so far:\n" + "\n".join(_describe(n, s) for n, s in enumerate(steps, start=1)))
    parts.append("Answer with one word: done or continue.")
    messages = [ChatMessage(role="system", content=VERIFY_SYSTEM), ChatMessage(role="user", content="\n\n".join(parts))]
    request = replace(chat_request(invocation, messages), temperature=VERIFY_TEMPERATURE, max_tokens=VERIFY_MAX_TOKENS)
    reply = invocation.llm.complete(request).content or ""
    verdict = _VERDICT.search(reply)
    return verdict is not None and verdict.group(1).lower() == "done"


def _describe(number: int, step: Step) -> str:
    result = step.result
    if len(result) > RESULT_PREVIEW_CHARS:
        result = result[:RESULT_PREVIEW_CHARS] + " [...]"
    return f"{number}. {step.tool} {step.arguments_json} -> {result}"
