"""The journal contract for a run's list result stored item by item (what a fan-out writes)."""

from __future__ import annotations

import json

import pytest

from aixgo_cli.testing.journal_contract.store import Store, read

LONG = "a long answer " * 40  # over the length at which the SQLite journal moves a string to `blobs`


def test_result_items_written_out_of_order_read_back_as_one_list(store: Store) -> None:
    run = store.new_run()
    store.journal.put_result_items(run.run_id, [(2, json.dumps(LONG)), (0, '"first"')])
    store.journal.put_result_items(run.run_id, [(1, '{"n": 1, "text": "é"}')])
    assert store.journal.result_items(run.run_id) == ['"first"', '{"n": 1, "text": "é"}', json.dumps(LONG)]
    assert store.journal.result_items(run.run_id, start=1, limit=1) == ['{"n": 1, "text": "é"}']
    assert read(store, run.run_id).result_json is None  # not the result until the run says so
    store.journal.update_run(run.run_id, status="completed", result_items=3)
    expected = json.dumps(["first", {"n": 1, "text": "é"}, LONG], ensure_ascii=False)
    for reader in (store.journal, store.twin()):
        record = reader.get_run(run.run_id)
        assert record is not None and record.result_json == expected
        assert [r.result_json for r in reader.list_runs()] == [expected]
        assert reader.find_run(run.run_id[:12]).result_json == expected


def test_a_rewritten_item_replaces_the_old_and_items_beyond_the_count_are_dropped(store: Store) -> None:
    run = store.new_run()
    store.journal.put_result_items(run.run_id, [(n, json.dumps(f"try 1, item {n}")) for n in range(5)])
    store.journal.put_result_items(run.run_id, [(0, '"try 2, item 0"'), (1, '"try 2, item 1"')])
    store.journal.update_run(run.run_id, status="completed", result_items=2)
    assert read(store, run.run_id).result_json == '["try 2, item 0", "try 2, item 1"]'
    assert store.journal.result_items(run.run_id) == ['"try 2, item 0"', '"try 2, item 1"']


def test_a_result_text_replaces_stored_items_and_an_empty_list_is_a_result(store: Store) -> None:
    run = store.new_run()
    store.journal.put_result_items(run.run_id, [(0, '"x"')])
    store.journal.update_run(run.run_id, result_json='{"one": "value"}')
    assert store.journal.result_items(run.run_id) == []
    assert read(store, run.run_id).result_json == '{"one": "value"}'
    store.journal.update_run(run.run_id, status="completed", result_items=0)
    assert read(store, run.run_id).result_json == "[]"


def test_result_items_refuse_bad_json_positions_and_both_kinds_of_result(store: Store) -> None:
    run = store.new_run()
    with pytest.raises(ValueError, match="not valid JSON"):
        store.journal.put_result_items(run.run_id, [(0, "{broken")])
    with pytest.raises(ValueError, match="non-negative"):
        store.journal.put_result_items(run.run_id, [(-1, '"x"')])
    with pytest.raises(ValueError, match="not both"):
        store.journal.update_run(run.run_id, result_json='"x"', result_items=1)
    assert store.journal.result_items(run.run_id) == []


def test_a_count_beyond_the_stored_items_is_refused_or_read_as_damage(store: Store) -> None:
    run = store.new_run()
    store.journal.put_result_items(run.run_id, [(0, '"x"')])
    try:
        store.journal.update_run(run.run_id, status="completed", result_items=2)
    except Exception as refused:  # the in-memory journal checks as it writes
        assert "1 of the 2 items" in str(refused)
        return
    with pytest.raises(Exception, match="1 of the 2 items"):  # SQLite finds the gap when it reads
        store.journal.get_run(run.run_id)
