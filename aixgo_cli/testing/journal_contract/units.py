"""The journal contract, units, calls and events: the memo itself and what is recorded under it."""

from __future__ import annotations

import pytest

from aixgo_cli.errors import UserError
from aixgo_cli.store.records import (
    Totals,
)
from aixgo_cli.testing.journal_contract.store import Store

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
