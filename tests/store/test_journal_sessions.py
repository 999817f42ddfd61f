"""Conversation sessions in both journals: appended once per run, bounded per agent, read as they stood
when a run started, listed and deleted."""

from __future__ import annotations

from aixgo_cli.store.sessions import Turn
from aixgo_cli.testing.journal_contract import Store


def test_a_run_appends_its_turns_once_and_history_reads_them_back(store: Store) -> None:
    journal = store.journal
    assert journal.session_mark("chat") == 0
    journal.append_session("chat", "chat", "run-1", [Turn("assistant", "hi", "hello!")], keep=10)
    journal.append_session("chat", "chat", "run-1", [Turn("assistant", "hi", "hello!")], keep=10)  # again

    history = journal.session_history("chat", "assistant", upto=journal.session_mark("chat"), limit=10)

    assert [(m.role, m.content, m.run_id) for m in history] == [
        ("user", "hi", "run-1"),
        ("assistant", "hello!", "run-1"),
    ]
    assert [(s.name, s.workflow_name, s.messages) for s in journal.list_sessions()] == [("chat", "chat", 2)]


def test_history_is_read_as_it_stood_at_the_mark_and_per_agent(store: Store) -> None:
    journal = store.journal
    journal.append_session("s", "wf", "run-1", [Turn("a", "q1", "r1"), Turn("b", "x", "y")], keep=10)
    mark = journal.session_mark("s")
    journal.append_session("s", "wf", "run-2", [Turn("a", "q2", "r2")], keep=10)

    assert [m.content for m in journal.session_history("s", "a", upto=mark, limit=10)] == ["q1", "r1"]
    assert [m.content for m in journal.session_history("s", "a", upto=10**9, limit=3)] == ["r1", "q2", "r2"]
    assert [m.content for m in journal.session_history("s", "b", upto=10**9, limit=10)] == ["x", "y"]


def test_each_agent_keeps_only_its_last_messages(store: Store) -> None:
    journal = store.journal
    for n in range(1, 5):
        journal.append_session("s", "wf", f"run-{n}", [Turn("a", f"q{n}", f"r{n}"), Turn("b", "x", "y")], keep=3)

    contents = [(m.agent, m.content) for m in journal.session_messages("s")]

    assert contents == [("a", "r3"), ("b", "y"), ("a", "q4"), ("a", "r4"), ("b", "x"), ("b", "y")]
    assert [m.seq for m in journal.session_messages("s")] == sorted(m.seq for m in journal.session_messages("s"))


def test_deleting_a_session_forgets_it(store: Store) -> None:
    journal = store.journal
    journal.append_session("s", "wf", "run-1", [Turn("a", "q", "r")], keep=10)

    assert journal.delete_session("s") is True
    assert journal.delete_session("s") is False
    assert journal.list_sessions() == [] and journal.session_messages("s") == []
    assert journal.session_mark("s") == 0


def test_sessions_survive_reopening_the_journal(store: Store) -> None:
    store.journal.append_session("s", "wf", "run-1", [Turn("a", "q", "r")], keep=10)

    again = store.twin()

    assert [m.content for m in again.session_messages("s")] == ["q", "r"]
