"""Conversation sessions: what each agent was asked and answered, kept across runs under a name.

A run in a session reads the history as it stood when the run started (`mark`: the highest message
number then), so a resumed run sends exactly the requests it sent before and its journaled answers are
reused. The run's turns are appended once, when it completes (`append` ignores a run already appended,
so finishing a run twice cannot duplicate them), and each agent keeps only its most recent `keep`
messages. Both journals implement these methods; the contract tests hold them to the same behaviour.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

SessionRole = str  # "user" | "assistant"


@dataclass(frozen=True)
class SessionMessage:
    seq: int
    agent: str
    role: SessionRole
    content: str
    run_id: str
    at: float


@dataclass(frozen=True)
class SessionInfo:
    name: str
    workflow_name: str
    messages: int
    created_at: float
    updated_at: float


@dataclass(frozen=True)
class Turn:
    """One exchange of one agent in a run: its input and its answer."""

    agent: str
    user: str
    assistant: str


def turn_messages(turns: Sequence[Turn]) -> list[tuple[str, SessionRole, str]]:
    out: list[tuple[str, SessionRole, str]] = []
    for turn in turns:
        out += [(turn.agent, "user", turn.user), (turn.agent, "assistant", turn.assistant)]
    return out


def kept(messages: Sequence[SessionMessage], keep: int) -> list[SessionMessage]:
    """Each agent's most recent `keep` messages, in order."""
    counts: dict[str, int] = {}
    out: list[SessionMessage] = []
    for message in reversed(messages):
        counts[message.agent] = counts.get(message.agent, 0) + 1
        if counts[message.agent] <= keep:
            out.append(message)
    return out[::-1]
