"""The journal contract: every test here runs against SqliteJournal and MemoryJournal alike."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from tests.store.journal_fixtures import Store

from aixgo_cli.errors import UserError
from aixgo_cli.store.leases import LeaseLost
from aixgo_cli.store.migrations import FORMAT_VERSION, MIGRATIONS
from aixgo_cli.store.records import KEEP, RUN_ID_LENGTH, Lease, Totals, UsageNotes, new_run_id
from aixgo_cli.store.sqlite_journal import SqliteJournal

# Runs ---------------------------------------------------------------------------------------------


def test_run_round_trip_and_unknown_id(store: Store) -> None:
    run = store.new_run()
    assert store.journal.get_run(run.run_id) == run
    assert store.journal.get_run("r-missing") is None
    assert store.twin().get_run(run.run_id) == run


def test_create_run_refuses_duplicates_and_bad_values(store: Store) -> None:
    run = store.new_run()
    with pytest.raises(ValueError, match="already exists"):
        store.journal.create_run(run)
    with pytest.raises(ValueError, match="status"):
        store.new_run(status="sleeping")
    with pytest.raises(ValueError, match="params_json is not valid JSON"):
        store.new_run(params_json="{'python': 'repr'}")
    with pytest.raises(ValueError, match="not valid JSON"):
        store.new_run(result_json="NaN")
    assert [r.run_id for r in store.journal.list_runs()] == [run.run_id]


def test_list_runs_is_newest_first_with_limit_and_status(store: Store) -> None:
    ids = []
    for status in ("completed", "failed", "completed", "paused"):
        ids.append(store.new_run(status=status).run_id)
        store.clock.advance(1)
    assert [r.run_id for r in store.journal.list_runs()] == ids[::-1]
    assert [r.run_id for r in store.journal.list_runs(limit=2)] == [ids[3], ids[2]]
    assert [r.run_id for r in store.journal.list_runs(status="completed")] == [ids[2], ids[0]]
    assert store.journal.list_runs(status="waiting") == []
    assert store.journal.list_runs(limit=0) == store.journal.list_runs(limit=-1) == []
    with pytest.raises(ValueError, match="status"):
        store.journal.list_runs(status="bogus")  # type: ignore[arg-type]


def test_find_run_by_exact_id_unique_prefix_and_refusals(store: Store) -> None:
    a = store.new_run(run_id="rabc111")
    b = store.new_run(run_id="rabc222")
    store.new_run(run_id="rabc")
    assert store.journal.find_run("rabc1").run_id == a.run_id
    assert store.journal.find_run("  rabc2 ").run_id == b.run_id
    assert store.journal.find_run("rabc").run_id == "rabc"  # an exact id wins over longer ids
    with pytest.raises(UserError) as ambiguous:
        store.journal.find_run("rab")
    assert "rabc111" in ambiguous.value.message and "rabc222" in ambiguous.value.message
    assert ambiguous.value.hint
    with pytest.raises(UserError, match="no run id starts with"):
        store.journal.find_run("rzzz")
    with pytest.raises(UserError, match="required"):
        store.journal.find_run("  ")


def test_update_run_replaces_the_parameters_only_when_given(store: Store) -> None:
    run = store.new_run()
    before = run.params_json
    assert store.journal.update_run(run.run_id, status="paused").params_json == before
    changed = store.journal.update_run(run.run_id, params_json='{"max_steps": 9}')
    assert changed.params_json == '{"max_steps": 9}'
    assert store.journal.get_run(run.run_id) == changed
    with pytest.raises(ValueError, match="not valid JSON"):
        store.journal.update_run(run.run_id, params_json="{nope")


def test_update_run_sets_keeps_and_clears_fields(store: Store) -> None:
    run = store.new_run()
    store.clock.advance(5)
    updated = store.journal.update_run(
        run.run_id, status="failed", error="boom", tokens_in=10, tokens_out=4, cost_usd=0.25, steps=3
    )
    assert (updated.status, updated.error, updated.result_json) == ("failed", "boom", None)
    assert (updated.tokens_in, updated.tokens_out, updated.cost_usd, updated.steps) == (10, 4, 0.25, 3)
    assert updated.updated_at == run.created_at + 5
    assert updated.created_at == run.created_at
    resumed = store.journal.update_run(run.run_id, status="completed", error=None, result_json='{"ok": 1}')
    assert (resumed.error, resumed.result_json, resumed.tokens_in) == (None, '{"ok": 1}', 10)
    kept = store.journal.update_run(run.run_id, result_json=KEEP, error=KEEP)
    assert kept.result_json == '{"ok": 1}'
    assert store.journal.get_run(run.run_id) == kept
    with pytest.raises(ValueError, match="not valid JSON"):
        store.journal.update_run(run.run_id, status="failed", result_json="{broken")
    assert store.journal.get_run(run.run_id) == kept
    with pytest.raises(UserError, match="no run"):
        store.journal.update_run("r-missing", status="failed")


def test_delete_run_removes_everything_under_it(store: Store) -> None:
    keep, gone = store.new_run(), store.new_run()
    for run in (keep, gone):
        store.start(run.run_id, "u1")
        store.journal.record_call_intent(run.run_id, "u1", "c1", "llm", "{}")
        store.journal.complete_unit(run.run_id, "u1", '"x"', events=[("step", "{}")])
    store.journal.delete_run(gone.run_id)
    assert store.journal.get_run(gone.run_id) is None
    with pytest.raises(UserError):
        store.journal.list_units(gone.run_id)
    with pytest.raises(UserError):
        store.twin().append_event(gone.run_id, "late", "{}")
    with pytest.raises(UserError):
        store.journal.delete_run(gone.run_id)
    assert len(store.journal.list_units(keep.run_id)) == 1
    assert len(store.journal.list_calls(keep.run_id)) == 1
    assert len(store.journal.list_events(keep.run_id)) == 1


def test_a_handle_that_cached_a_deleted_run_gets_a_user_error(store: Store) -> None:
    run = store.new_run()
    other = store.twin()
    other.start_unit(run.run_id, "u0", place="p", input_hash="i", definition_hash="d")  # caches the key
    store.journal.delete_run(run.run_id)
    replacement = store.new_run()  # must not inherit the deleted run's key
    for write in (
        lambda: other.start_unit(run.run_id, "u1", place="p", input_hash="i", definition_hash="d"),
        lambda: other.complete_unit(run.run_id, "u0", "{}"),
        lambda: other.acquire_lease(run.run_id, "me", 10),
        lambda: other.update_run(run.run_id, status="failed"),
    ):
        with pytest.raises(UserError, match="no run"):
            write()
    assert store.journal.list_units(replacement.run_id) == []


def test_delete_refuses_a_run_with_a_live_lease_unless_forced(store: Store) -> None:
    run = store.new_run()
    assert store.journal.acquire_lease(run.run_id, "host:123", ttl_s=30)
    with pytest.raises(UserError, match="host:123") as refused:
        store.twin().delete_run(run.run_id)
    assert refused.value.hint and "--force" in refused.value.hint
    store.twin().delete_run(run.run_id, force=True)
    assert store.journal.get_run(run.run_id) is None


def test_run_ids_are_sortable_by_time_and_unique(store: Store) -> None:
    ids = [new_run_id(1_800_000_000 + n * 0.001) for n in range(50)]
    assert ids == sorted(ids)
    assert len(set(ids)) == 50
    assert all(len(i) == RUN_ID_LENGTH and i.startswith("r") for i in ids)
    assert all(set(i) <= set("0123456789abcdefghjkmnpqrstvwxyz") for i in ids)
    assert len({new_run_id(1_800_000_000) for _ in range(100)}) == 100


# Leases -------------------------------------------------------------------------------------------


def test_lease_is_exclusive_until_it_expires_or_is_released(store: Store) -> None:
    run = store.new_run()
    first, second = store.journal, store.twin()
    assert first.get_lease(run.run_id) is None
    assert first.acquire_lease(run.run_id, "a", ttl_s=10)
    assert first.acquire_lease(run.run_id, "a", ttl_s=10)  # already ours
    assert not second.acquire_lease(run.run_id, "b", ttl_s=10)
    assert second.get_lease(run.run_id) == Lease("a", store.clock() + 10)
    store.clock.advance(9)
    assert first.renew_lease(run.run_id, "a", ttl_s=10)
    store.clock.advance(9)
    assert not second.acquire_lease(run.run_id, "b", ttl_s=10)  # renewal kept it alive
    store.clock.advance(2)
    assert second.get_lease(run.run_id) is None  # expired
    assert second.acquire_lease(run.run_id, "b", ttl_s=10)
    assert not first.renew_lease(run.run_id, "a", ttl_s=10)  # taken over: "a" must stop driving
    assert not first.release_lease(run.run_id, "a")
    assert second.release_lease(run.run_id, "b")
    assert first.get_lease(run.run_id) is None
    assert first.acquire_lease(run.run_id, "a", ttl_s=10)


def test_lease_argument_checks(store: Store) -> None:
    run = store.new_run()
    with pytest.raises(ValueError, match="ttl"):
        store.journal.acquire_lease(run.run_id, "a", ttl_s=0)
    with pytest.raises(UserError):
        store.journal.acquire_lease("r-missing", "a", ttl_s=5)
    with pytest.raises(UserError):
        store.journal.get_lease("r-missing")


def test_racing_handles_give_the_lease_to_exactly_one(store: Store) -> None:
    run = store.new_run()
    handles = [store.twin() for _ in range(6)]
    start = threading.Barrier(len(handles))
    won: list[bool] = [False] * len(handles)

    def contend(index: int) -> None:
        start.wait()
        won[index] = handles[index].acquire_lease(run.run_id, f"owner-{index}", ttl_s=60)

    threads = [threading.Thread(target=contend, args=(i,)) for i in range(len(handles))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert won.count(True) == 1
    lease = store.journal.get_lease(run.run_id)
    assert lease is not None and lease.owner == f"owner-{won.index(True)}"


# Units --------------------------------------------------------------------------------------------


def test_unit_lifecycle_is_the_memo(store: Store) -> None:
    run = store.new_run()
    assert store.start(run.run_id, "u1") == 1
    started = store.journal.get_unit(run.run_id, "u1")
    assert started is not None and started.status == "started" and started.finished_at is None
    assert store.journal.get_completed_unit(run.run_id, "u1") is None
    store.clock.advance(1.25)
    store.journal.complete_unit(run.run_id, "u1", '{"answer": 42}', tokens_in=100, tokens_out=20, cost_usd=0.5)
    done = store.twin().get_completed_unit(run.run_id, "u1")
    assert done is not None
    assert (done.status, done.output_json, done.error, done.attempt) == ("completed", '{"answer": 42}', None, 1)
    assert (done.place, done.input_hash, done.definition_hash) == ("flow/u1", "in-u1", "def")
    assert (done.tokens_in, done.tokens_out, done.cost_usd) == (100, 20, 0.5)
    assert (done.started_at, done.finished_at, done.duration_ms) == (started.started_at, store.clock(), 1250)
    assert store.journal.get_completed_unit(run.run_id, "u2") is None


def test_retry_counts_attempts_clears_results_and_accumulates_usage(store: Store) -> None:
    run = store.new_run()
    store.start(run.run_id, "u1")
    store.journal.fail_unit(run.run_id, "u1", "rate limited", tokens_in=7, cost_usd=0.01, duration_ms=9)
    failed = store.journal.get_unit(run.run_id, "u1")
    assert failed is not None
    assert (failed.status, failed.error, failed.output_json, failed.duration_ms) == (
        "failed",
        "rate limited",
        None,
        9,
    )
    assert store.journal.get_completed_unit(run.run_id, "u1") is None
    assert store.start(run.run_id, "u1") == 2
    retried = store.journal.get_unit(run.run_id, "u1")
    assert retried is not None and (retried.status, retried.error) == ("started", None)
    store.journal.complete_unit(run.run_id, "u1", '"fine"', tokens_in=3, cost_usd=0.02)
    done = store.journal.get_completed_unit(run.run_id, "u1")
    assert done is not None and (done.attempt, done.tokens_in) == (2, 10)
    assert done.cost_usd == pytest.approx(0.03)
    assert store.start(run.run_id, "u1") == 3  # a forced re-run of a completed unit
    assert store.journal.get_completed_unit(run.run_id, "u1") is None


def test_finishing_a_unit_that_is_not_in_progress_is_refused(store: Store) -> None:
    run = store.new_run()
    with pytest.raises(ValueError, match="never started"):
        store.journal.complete_unit(run.run_id, "u1", "{}")
    store.start(run.run_id, "u1")
    store.journal.complete_unit(run.run_id, "u1", "{}")
    with pytest.raises(ValueError, match="is completed"):
        store.journal.fail_unit(run.run_id, "u1", "late")
    with pytest.raises(UserError):
        store.journal.start_unit("r-missing", "u1", place="p", input_hash="i", definition_hash="d")
    with pytest.raises(ValueError, match="negative"):
        store.journal.complete_unit(run.run_id, "u1", "{}", tokens_in=-1)


@pytest.mark.parametrize("bad", ["not json", "{'a': 1}", "Infinity", "[1,]", ""])
def test_only_json_enters_the_journal(store: Store, bad: str) -> None:
    run = store.new_run()
    store.start(run.run_id, "u1")
    with pytest.raises(ValueError, match="output_json is not valid JSON"):
        store.journal.complete_unit(run.run_id, "u1", bad)
    with pytest.raises(ValueError, match="request_json"):
        store.journal.record_call_intent(run.run_id, "u1", "c1", "llm", bad)
    with pytest.raises(ValueError, match="payload_json"):
        store.journal.append_event(run.run_id, "step", bad)
    with pytest.raises(TypeError):
        store.journal.complete_unit(run.run_id, "u1", b'{"pickled": true}')  # type: ignore[arg-type]
    unit = store.journal.get_unit(run.run_id, "u1")
    assert unit is not None and unit.status == "started"
    assert store.journal.list_calls(run.run_id) == [] and store.journal.list_events(run.run_id) == []


def test_list_units_keeps_first_started_order(store: Store) -> None:
    run = store.new_run()
    for key in ("b", "a", "c"):
        store.start(run.run_id, key)
    store.journal.fail_unit(run.run_id, "b", "x")
    store.start(run.run_id, "b")
    assert [u.unit_key for u in store.journal.list_units(run.run_id)] == ["b", "a", "c"]


def test_tally_units_rebuilds_totals_from_the_memo(store: Store) -> None:
    run = store.new_run()
    assert store.journal.tally_units(run.run_id) == Totals()
    for key, tokens in (("a", 10), ("b", 5), ("c", 1)):
        store.start(run.run_id, key)
        store.journal.complete_unit(run.run_id, key, "{}", tokens_in=tokens, tokens_out=2, cost_usd=0.5)
    store.start(run.run_id, "d")
    store.journal.fail_unit(run.run_id, "d", "x", tokens_in=4, cost_usd=0.25)
    assert store.journal.tally_units(run.run_id) == Totals(20, 6, 1.75, 3)


def test_unit_result_and_its_events_commit_together_or_not_at_all(store: Store) -> None:
    run = store.new_run()
    store.journal.append_event(run.run_id, "run_started", "{}")
    store.start(run.run_id, "u1")
    with pytest.raises(ValueError, match="payload_json"):
        store.journal.complete_unit(
            run.run_id, "u1", '"out"', tokens_in=5, events=[("step_finished", "{}"), ("broken", "{nope")]
        )
    unit = store.journal.get_unit(run.run_id, "u1")
    assert unit is not None and (unit.status, unit.tokens_in) == ("started", 0)
    assert [e.seq for e in store.journal.list_events(run.run_id)] == [1]
    # The failed transaction left nothing open: the next writes commit and are seen by another handle.
    store.journal.complete_unit(run.run_id, "u1", '"out"', events=[("step_finished", '{"n": 1}'), ("x", "2")])
    twin = store.twin()
    assert [(e.seq, e.kind) for e in twin.list_events(run.run_id)] == [
        (1, "run_started"),
        (2, "step_finished"),
        (3, "x"),
    ]
    completed = twin.get_completed_unit(run.run_id, "u1")
    assert completed is not None and completed.output_json == '"out"'


# Calls --------------------------------------------------------------------------------------------


def test_call_intent_then_result(store: Store) -> None:
    run = store.new_run()
    store.start(run.run_id, "u1")
    store.journal.record_call_intent(run.run_id, "u1", "u1/llm/0", "llm", '{"messages": []}')
    intent = store.twin().get_call(run.run_id, "u1/llm/0")
    assert intent is not None
    assert (intent.status, intent.kind, intent.response_json, intent.finished_at) == ("intent", "llm", None, None)
    store.clock.advance(2)
    store.journal.complete_call(run.run_id, "u1/llm/0", '{"content": "hi"}', tokens_in=9, tokens_out=3)
    done = store.journal.get_call(run.run_id, "u1/llm/0")
    assert done is not None
    assert (done.status, done.response_json, done.tokens_in, done.tokens_out) == (
        "completed",
        '{"content": "hi"}',
        9,
        3,
    )
    assert done.finished_at == intent.started_at + 2
    assert store.journal.get_call(run.run_id, "u1/llm/1") is None


def test_call_retries_replace_the_intent_but_never_a_completed_result(store: Store) -> None:
    run = store.new_run()
    store.journal.record_call_intent(run.run_id, "u1", "c", "tool", '{"try": 1}')
    store.journal.fail_call(run.run_id, "c", "HTTP 500", tokens_in=2)
    failed = store.journal.get_call(run.run_id, "c")
    assert failed is not None and (failed.status, failed.error) == ("failed", "HTTP 500")
    store.journal.record_call_intent(run.run_id, "u1", "c", "tool", '{"try": 2}')
    store.journal.record_call_intent(run.run_id, "u1", "c", "tool", '{"try": 3}')  # died mid-call, re-run
    store.journal.complete_call(run.run_id, "c", '"ok"', tokens_in=1)
    done = store.journal.get_call(run.run_id, "c")
    assert done is not None
    assert (done.request_json, done.error, done.tokens_in) == ('{"try": 3}', None, 3)
    with pytest.raises(ValueError, match="already completed"):
        store.journal.record_call_intent(run.run_id, "u1", "c", "tool", '{"try": 4}')
    assert store.journal.get_call(run.run_id, "c") == done
    with pytest.raises(ValueError, match="is completed"):
        store.journal.complete_call(run.run_id, "c", '"again"')
    with pytest.raises(ValueError, match="never started"):
        store.journal.fail_call(run.run_id, "other", "x")
    with pytest.raises(ValueError, match="kind"):
        store.journal.record_call_intent(run.run_id, "u1", "k", "shell", "{}")  # type: ignore[arg-type]


def test_list_calls_in_recorded_order_and_by_unit(store: Store) -> None:
    run = store.new_run()
    for unit, call in (("u2", "z"), ("u1", "y"), ("u2", "x")):
        store.journal.record_call_intent(run.run_id, unit, call, "llm", "{}")
    assert [c.call_key for c in store.journal.list_calls(run.run_id)] == ["z", "y", "x"]
    assert [c.call_key for c in store.journal.list_calls(run.run_id, unit_key="u2")] == ["z", "x"]


# Events -------------------------------------------------------------------------------------------


def test_event_seqs_count_per_run_without_gaps(store: Store) -> None:
    one, two = store.new_run(), store.new_run()
    assert [store.journal.append_event(one.run_id, "e", str(n)) for n in range(3)] == [1, 2, 3]
    assert store.journal.append_event(two.run_id, "e", "0") == 1
    with pytest.raises(ValueError, match="kind"):
        store.journal.append_event(one.run_id, "", "{}")
    assert store.twin().append_event(one.run_id, "e", "3") == 4
    events = store.journal.list_events(one.run_id)
    assert [(e.seq, e.payload_json) for e in events] == [(1, "0"), (2, "1"), (3, "2"), (4, "3")]
    assert [e.seq for e in store.journal.list_events(one.run_id, after_seq=2)] == [3, 4]
    assert events[0].at == store.clock() and events[0].run_id == one.run_id


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


def test_writes_through_a_handle_whose_lease_was_taken_over_are_refused(store: Store) -> None:
    if store.kind == "memory":
        pytest.skip("the in-memory twin is the same handle, so it holds the new lease itself")
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
    ):
        with pytest.raises(LeaseLost, match="taken over by host:2:b"):
            write()
    unit = second.get_unit(run.run_id, "u")
    assert unit is not None and unit.status == "started"
    second.complete_unit(run.run_id, "u", '"mine"')  # the holder writes as usual
    assert second.get_run(run.run_id).status == "running"  # type: ignore[union-attr]
