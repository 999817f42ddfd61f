"""The journal contract, runs and leases: creating, finding, updating and deleting runs; one driver per run."""

from __future__ import annotations

import threading

import pytest

from aixgo_cli.errors import UserError
from aixgo_cli.store.records import (
    KEEP,
    RUN_ID_LENGTH,
    Lease,
    new_run_id,
)
from aixgo_cli.testing.journal_contract.store import Store, read

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
    store.journal.update_run(run.run_id, status="paused")
    assert read(store, run.run_id).params_json == before
    store.journal.update_run(run.run_id, params_json='{"max_steps": 9}')
    assert read(store, run.run_id).params_json == '{"max_steps": 9}'
    with pytest.raises(ValueError, match="not valid JSON"):
        store.journal.update_run(run.run_id, params_json="{nope")


def test_update_run_sets_keeps_and_clears_fields(store: Store) -> None:
    run = store.new_run()
    store.clock.advance(5)
    store.journal.update_run(
        run.run_id, status="failed", error="boom", tokens_in=10, tokens_out=4, cost_usd=0.25, steps=3
    )
    updated = read(store, run.run_id)
    assert (updated.status, updated.error, updated.result_json) == ("failed", "boom", None)
    assert (updated.tokens_in, updated.tokens_out, updated.cost_usd, updated.steps) == (10, 4, 0.25, 3)
    assert updated.updated_at == run.created_at + 5
    assert updated.created_at == run.created_at
    store.journal.update_run(run.run_id, status="completed", error=None, result_json='{"ok": 1}')
    resumed = read(store, run.run_id)
    assert (resumed.error, resumed.result_json, resumed.tokens_in) == (None, '{"ok": 1}', 10)
    assert store.journal.update_run(run.run_id, result_json=KEEP, error=KEEP) is None  # type: ignore[func-returns-value]
    kept = read(store, run.run_id)
    assert (kept.result_json, kept.status) == ('{"ok": 1}', "completed")
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
