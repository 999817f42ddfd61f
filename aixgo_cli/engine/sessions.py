"""A run's conversation session: what its react agents see of earlier runs, and what it adds.

A workflow with `session:` (or a run with `--session NAME`) runs in a session named by `--session`, else
`session.key`, else the workflow's name. When the run starts, the session's highest message number is
stored with the run's parameters (`session_mark`): every request of the run, and of any resume of it,
carries the history as it stood then, so resumed requests are identical and their journaled answers are
reused. Each react agent's exchanges (its input, its answer) are collected as units finish or replay,
and appended to the session once, when the run completes; a failed or paused run adds nothing until
it completes. `store: memory` keeps sessions in this process only (nothing reaches the journal).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from aixgo_cli.config.model import Workflow
from aixgo_cli.config.session_spec import SessionSpec
from aixgo_cli.errors import UserError
from aixgo_cli.providers.types import ChatMessage
from aixgo_cli.secrets.redaction import redact
from aixgo_cli.store.memory_sessions import MemorySessions
from aixgo_cli.store.protocol import Journal
from aixgo_cli.store.sessions import Turn

_process_sessions: list[MemorySessions] = []  # created on first use, not at import
_process_lock = threading.Lock()


def memory_sessions() -> MemorySessions:
    """The sessions of `store: memory`, shared by the runs of this process and forgotten at exit."""
    with _process_lock:
        if not _process_sessions:
            _process_sessions.append(MemorySessions(time.time))
        return _process_sessions[0]


def session_store(spec: SessionSpec, journal: Journal) -> Journal | MemorySessions:
    return memory_sessions() if spec.store == "memory" else journal


@dataclass
class RunSession:
    name: str
    mark: int
    keep: int
    store: Journal | MemorySessions
    turns: list[Turn] = field(default_factory=list)
    _history: dict[str, tuple[ChatMessage, ...]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def history(self, agent: str) -> tuple[ChatMessage, ...]:
        with self._lock:
            if agent not in self._history:
                messages = self.store.session_history(self.name, agent, upto=self.mark, limit=self.keep)
                self._history[agent] = tuple(ChatMessage(role=m.role, content=m.content) for m in messages)
            return self._history[agent]

    def record(self, agent: str, user: str, assistant: str) -> None:
        with self._lock:
            self.turns.append(Turn(agent, redact(user), redact(assistant)))

    def save(self, workflow_name: str, run_id: str) -> None:
        with self._lock:
            turns = list(self.turns)
        if turns:
            self.store.append_session(self.name, workflow_name, run_id, turns, keep=self.keep)


def session_mark(workflow: Workflow, requested: str | None, journal: Journal) -> tuple[str, int]:
    """The session a new run belongs to, and the session's last message number now."""
    spec = workflow.session
    if spec is None:
        raise UserError(
            f"--session {requested}: the workflow {workflow.name} keeps no conversation",
            hint="add a `session:` block to the workflow (e.g. session: {max_messages: 40}), or drop --session",
        )
    name = requested or spec.key
    return name, session_store(spec, journal).session_mark(name)


def run_session(spec: SessionSpec | None, name: str | None, mark: int | None, journal: Journal) -> RunSession | None:
    if spec is None or name is None:
        return None
    return RunSession(name, mark or 0, spec.max_messages, session_store(spec, journal))
