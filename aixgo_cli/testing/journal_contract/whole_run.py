"""The journal contract, whole runs: export, closing, concurrent writers, usage answers, fencing."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from aixgo_cli.errors import UserError
from aixgo_cli.store.leases import LeaseLost
from aixgo_cli.store.migrations import FORMAT_VERSION, MIGRATIONS
from aixgo_cli.store.records import (
    APPROVAL_SUFFIX,
    Spending,
    UsageNotes,
)
from aixgo_cli.store.sqlite_journal import SqliteJournal
from aixgo_cli.testing.journal_contract.store import Store

# Whole run ----------------------------------------------------------------------------------------


def _fill(store: Store) -> str:
    run = store.new_run()
    store.start(run.run_id, "u1")
    store.journal.record_call_intent(run.run_id, "u1", "u1/llm/0", "llm", '{"m": 1}')
    store.journal.complete_call(run.run_id, "u1/llm/0", '{"r": 1}', tokens_in=4, cost_usd=0.125)
    store.journal.complete_unit(run.run_id, "u1", '{"o": 1}', tokens_in=4, events=[("step", "{}")])
    store.start(run.run_id, "u2")
    store.journal.record_call_intent(run.run_id, "u2", "u2/tool/0", "tool", '{"t": 1}')
    store.journal.update_run(run.run_id, status="interrupted", tokens_in=4)
    store.journal.acquire_lease(run.run_id, "exporter", ttl_s=60)
    return run.run_id


def test_export_writes_a_standalone_journal_that_resumes(store: Store, tmp_path: Path) -> None:
    run_id = _fill(store)
    other = store.new_run()
    dest = tmp_path / "artifacts" / "run.db"
    store.journal.export_run(run_id, dest)
    assert oct(dest.stat().st_mode & 0o777) == oct(0o600)
    with SqliteJournal(dest) as exported:
        assert exported.get_run(run_id) == store.journal.get_run(run_id)
        assert exported.get_run(other.run_id) is None
        assert exported.list_units(run_id) == store.journal.list_units(run_id)
        assert exported.list_calls(run_id) == store.journal.list_calls(run_id)
        assert exported.list_events(run_id) == store.journal.list_events(run_id)
        assert exported.get_lease(run_id) is None  # the artifact is free to resume
        # Resuming in the artifact: the memo answers u1, the dangling intent of u2 is visible.
        assert exported.get_completed_unit(run_id, "u1") is not None
        assert exported.acquire_lease(run_id, "ci", ttl_s=60)
        exported.fail_call(run_id, "u2/tool/0", "died")
        assert exported.append_event(run_id, "resumed", "{}") == 2
    with sqlite3.connect(dest) as raw:
        names = [row[0] for row in raw.execute("SELECT name FROM schema_migrations ORDER BY rowid")]
        assert names == [name for name, _ in MIGRATIONS]
        assert raw.execute("PRAGMA user_version").fetchone()[0] == FORMAT_VERSION
    raw.close()


def test_export_never_overwrites_and_needs_a_known_run(store: Store, tmp_path: Path) -> None:
    run_id = _fill(store)
    dest = tmp_path / "taken.db"
    dest.write_text("precious")
    with pytest.raises(UserError, match="already exists"):
        store.journal.export_run(run_id, dest)
    assert dest.read_text() == "precious"
    missing = tmp_path / "missing.db"
    with pytest.raises(UserError, match="no run"):
        store.journal.export_run("r-missing", missing)
    assert not missing.exists()


def test_closed_journal_refuses_work(store: Store) -> None:
    run = store.new_run()
    store.journal.close()
    store.journal.close()  # idempotent
    with pytest.raises(ValueError, match="closed"):
        store.journal.get_run(run.run_id)


def test_concurrent_writers_on_one_handle_lose_nothing(store: Store) -> None:
    run = store.new_run()
    barrier = threading.Barrier(4)

    def worker(n: int) -> None:
        barrier.wait()
        for i in range(25):
            key = f"w{n}-{i}"
            store.start(run.run_id, key)
            store.journal.complete_unit(run.run_id, key, str(i), events=[("step", str(i))])

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(store.journal.list_units(run.run_id)) == 100
    assert [e.seq for e in store.journal.list_events(run.run_id)] == list(range(1, 101))


def test_usage_notes_come_from_completed_model_calls(store: Store) -> None:
    run = store.new_run()
    journal = store.journal
    journal.start_unit(run.run_id, "u", place="p", input_hash="i", definition_hash="d")
    assert journal.usage_notes(run.run_id) == UsageNotes()
    journal.record_call_intent(run.run_id, "u", "u/m1", "llm", "{}")
    journal.complete_call(run.run_id, "u/m1", '{"usage": {"cost_known": true, "tokens_estimated": true}}')
    assert journal.usage_notes(run.run_id) == UsageNotes(cost_unknown=False, tokens_estimated=True)
    journal.record_call_intent(run.run_id, "u", "u/m2", "llm", "{}")
    assert journal.usage_notes(run.run_id) == UsageNotes(cost_unknown=False, tokens_estimated=True)  # no result yet
    journal.complete_call(run.run_id, "u/m2", '{"usage": {"cost_known": false}}')
    assert journal.usage_notes(run.run_id) == UsageNotes(cost_unknown=True, tokens_estimated=True)


def test_spent_sums_completed_calls_counts_units_and_names_noted_models(store: Store) -> None:
    run = store.new_run()
    journal = store.journal
    assert journal.spent(run.run_id) == Spending()
    for unit in ("u", "v"):
        journal.start_unit(run.run_id, unit, place="p", input_hash="i", definition_hash="d")
    journal.record_call_intent(run.run_id, "u", "u/m1", "llm", '{"model": "openai/a"}')
    journal.complete_call(
        run.run_id, "u/m1", '{"usage": {"cost_known": false}}', tokens_in=10, tokens_out=4, cost_usd=0.5
    )
    journal.record_call_intent(run.run_id, "u", "u/m2", "llm", '{"model": "local/b"}')
    journal.complete_call(run.run_id, "u/m2", '{"usage": {"tokens_estimated": true}}', tokens_in=1, tokens_out=2)
    journal.record_call_intent(run.run_id, "u", "u/m3", "llm", '{"model": "openai/a"}')
    journal.complete_call(run.run_id, "u/m3", '{"usage": {"cost_known": false}}', tokens_in=5, cost_usd=0.25)
    journal.record_call_intent(run.run_id, "v", "v/t1", "tool", '{"name": "t"}')
    journal.complete_call(run.run_id, "v/t1", '"done"')
    journal.record_call_intent(run.run_id, "v", "v/m4", "llm", '{"model": "openai/c"}')  # no result: not spent
    journal.record_call_intent(run.run_id, "v", "v/m5", "llm", '{"model": "openai/d"}')
    journal.fail_call(run.run_id, "v/m5", "boom")
    assert journal.spent(run.run_id) == Spending(
        tokens_in=16,
        tokens_out=6,
        cost_usd=0.75,
        units=2,
        unknown_cost_models=frozenset({"openai/a"}),
        estimated_token_models=frozenset({"local/b"}),
    )
    assert store.twin().spent(run.run_id) == journal.spent(run.run_id)


def test_pending_answers_are_open_questions_oldest_first(store: Store) -> None:
    run = store.new_run()
    journal = store.journal
    journal.start_unit(run.run_id, "u", place="p", input_hash="i", definition_hash="d")
    assert journal.pending_answers(run.run_id) == []
    for key in ("u/t2" + APPROVAL_SUFFIX, "u/t1", "u/t1" + APPROVAL_SUFFIX, "u/t3" + APPROVAL_SUFFIX):
        journal.record_call_intent(run.run_id, "u", key, "tool", "{}")
    journal.complete_call(run.run_id, "u/t3" + APPROVAL_SUFFIX, '{"answer": "yes"}')
    assert journal.pending_answers(run.run_id) == ["u/t2" + APPROVAL_SUFFIX, "u/t1" + APPROVAL_SUFFIX]


def test_writes_through_a_handle_whose_lease_was_taken_over_are_refused(store: Store) -> None:
    if store.twin() is store.journal:
        pytest.skip("the twin is the same handle (an in-memory journal), so it holds the new lease itself")
    run = store.new_run()
    first, second = store.journal, store.twin()
    assert first.acquire_lease(run.run_id, "host:1:a", ttl_s=10)
    first.start_unit(run.run_id, "u", place="p", input_hash="i", definition_hash="d")
    store.clock.advance(11)
    assert second.acquire_lease(run.run_id, "host:2:b", ttl_s=10)
    for write in (
        lambda: first.start_unit(run.run_id, "v", place="p", input_hash="i", definition_hash="d"),
        lambda: first.complete_unit(run.run_id, "u", '"late"'),
        lambda: first.record_call_intent(run.run_id, "u", "u/m1", "llm", "{}"),
        lambda: first.append_event(run.run_id, "x", "{}"),
        lambda: first.update_run(run.run_id, status="failed"),
        lambda: first.put_result_items(run.run_id, [(0, '"late"')]),
        lambda: first.confirm_lease(run.run_id),
    ):
        with pytest.raises(LeaseLost, match="taken over by host:2:b"):
            write()
    second.confirm_lease(run.run_id)  # the holder is confirmed
    unit = second.get_unit(run.run_id, "u")
    assert unit is not None and unit.status == "started"
    second.complete_unit(run.run_id, "u", '"mine"')  # the holder writes as usual
    assert second.get_run(run.run_id).status == "running"  # type: ignore[union-attr]
