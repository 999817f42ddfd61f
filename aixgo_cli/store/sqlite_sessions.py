"""Conversation sessions in the SQLite journal (see store/sessions.py for the contract)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from aixgo_cli.store.sessions import SessionInfo, SessionMessage, Turn, turn_messages
from aixgo_cli.store.sqlite_db import Database


class SqliteSessions:
    _db: Database
    _clock: Callable[[], float]

    def session_mark(self, name: str) -> int:
        rows = self._db.query("SELECT COALESCE(MAX(seq), 0) FROM session_messages WHERE session = ?", (name,))
        return int(rows[0][0])

    def session_history(self, name: str, agent: str, *, upto: int, limit: int) -> list[SessionMessage]:
        rows = self._db.query(
            "SELECT seq, agent, role, content, run_id, at FROM session_messages"
            " WHERE session = ? AND agent = ? AND seq <= ? ORDER BY seq DESC LIMIT ?",
            (name, agent, upto, limit),
        )
        return [SessionMessage(*row) for row in reversed(rows)]

    def append_session(self, name: str, workflow_name: str, run_id: str, turns: Sequence[Turn], *, keep: int) -> None:
        now = self._clock()
        with self._db.write() as conn:
            if conn.execute(
                "SELECT 1 FROM session_messages WHERE session = ? AND run_id = ? LIMIT 1", (name, run_id)
            ).fetchone():
                return  # this run's turns are already there
            conn.execute(
                "INSERT INTO sessions (name, workflow_name, created_at, updated_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (name) DO UPDATE SET updated_at = excluded.updated_at",
                (name, workflow_name, now, now),
            )
            (last,) = conn.execute(
                "SELECT COALESCE(MAX(seq), 0) FROM session_messages WHERE session = ?", (name,)
            ).fetchone()
            conn.executemany(
                "INSERT INTO session_messages (session, seq, agent, role, content, run_id, at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (name, last + i, agent, role, content, run_id, now)
                    for i, (agent, role, content) in enumerate(turn_messages(turns), 1)
                ],
            )
            for (agent,) in conn.execute(
                "SELECT DISTINCT agent FROM session_messages WHERE session = ?", (name,)
            ).fetchall():
                conn.execute(
                    "DELETE FROM session_messages WHERE session = ? AND agent = ? AND seq NOT IN"
                    " (SELECT seq FROM session_messages WHERE session = ? AND agent = ? ORDER BY seq DESC LIMIT ?)",
                    (name, agent, name, agent, keep),
                )

    def list_sessions(self) -> list[SessionInfo]:
        rows = self._db.query(
            "SELECT s.name, s.workflow_name, COUNT(m.seq), s.created_at, s.updated_at FROM sessions s"
            " LEFT JOIN session_messages m ON m.session = s.name GROUP BY s.name ORDER BY s.updated_at DESC"
        )
        return [SessionInfo(*row) for row in rows]

    def session_messages(self, name: str) -> list[SessionMessage]:
        rows = self._db.query(
            "SELECT seq, agent, role, content, run_id, at FROM session_messages WHERE session = ? ORDER BY seq",
            (name,),
        )
        return [SessionMessage(*row) for row in rows]

    def delete_session(self, name: str) -> bool:
        with self._db.write() as conn:
            conn.execute("DELETE FROM session_messages WHERE session = ?", (name,))
            return conn.execute("DELETE FROM sessions WHERE name = ?", (name,)).rowcount > 0
