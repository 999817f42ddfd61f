"""Conversation sessions in the in-memory journal (see store/sessions.py for the contract)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from aixgo_cli.store.sessions import SessionInfo, SessionMessage, Turn, kept, turn_messages


class MemorySessions:
    _clock: Callable[[], float]

    def __init__(self, clock: Callable[[], float] | None = None) -> None:
        if clock is not None:
            self._clock = clock
        self._sessions: dict[str, tuple[str, float, float]] = {}  # name -> (workflow, created, updated)
        self._messages: dict[str, list[SessionMessage]] = {}
        self._sessions_lock = threading.Lock()

    def session_mark(self, name: str) -> int:
        with self._sessions_lock:
            messages = self._messages.get(name, [])
            return messages[-1].seq if messages else 0

    def session_history(self, name: str, agent: str, *, upto: int, limit: int) -> list[SessionMessage]:
        with self._sessions_lock:
            mine = [m for m in self._messages.get(name, []) if m.agent == agent and m.seq <= upto]
            return mine[-limit:]

    def append_session(self, name: str, workflow_name: str, run_id: str, turns: Sequence[Turn], *, keep: int) -> None:
        now = self._clock()
        with self._sessions_lock:
            messages = self._messages.setdefault(name, [])
            if any(m.run_id == run_id for m in messages):
                return
            workflow, created, _ = self._sessions.get(name, (workflow_name, now, now))
            self._sessions[name] = (workflow, created, now)
            last = messages[-1].seq if messages else 0
            for i, (agent, role, content) in enumerate(turn_messages(turns), 1):
                messages.append(SessionMessage(last + i, agent, role, content, run_id, now))
            self._messages[name] = kept(messages, keep)

    def list_sessions(self) -> list[SessionInfo]:
        with self._sessions_lock:
            infos = [
                SessionInfo(name, workflow, len(self._messages.get(name, [])), created, updated)
                for name, (workflow, created, updated) in self._sessions.items()
            ]
        return sorted(infos, key=lambda info: -info.updated_at)

    def session_messages(self, name: str) -> list[SessionMessage]:
        with self._sessions_lock:
            return list(self._messages.get(name, []))

    def delete_session(self, name: str) -> bool:
        with self._sessions_lock:
            self._messages.pop(name, None)
            return self._sessions.pop(name, None) is not None
