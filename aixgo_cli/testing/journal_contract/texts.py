"""The journal contract for long texts: what is written is read back byte for byte.

The SQLite journal stores long strings of its JSON columns once per run (store/blobs.py) and rebuilds
the column text on read; whatever the encoding of the JSON (escaped or raw non-ASCII, spacing, escapes
a Python encoder never writes, a lone surrogate), every reader must get the exact text back.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aixgo_cli.store.sqlite_journal import SqliteJournal
from aixgo_cli.testing.journal_contract.store import Store

ANSWER = 'The answer, with "quotes", a back\\slash, a tab\t, a newline\n, é, 中文 and 🙂. ' * 8
OTHER = "A second, different long text. " * 12

TEXTS = {
    "raw non-ASCII": json.dumps(ANSWER, ensure_ascii=False),
    "escaped non-ASCII": json.dumps(ANSWER),
    "object with two texts": json.dumps({"summary": ANSWER, "notes": [OTHER, "short"], "n": 3}, ensure_ascii=False),
    "the same text twice": json.dumps([ANSWER, {"again": ANSWER}], ensure_ascii=False),
    "a long key": json.dumps({ANSWER: ANSWER}, ensure_ascii=False),
    "spaced out": '{ "content" :  ' + json.dumps(OTHER) + ' ,\n  "k": [ 1 , 2 ] }',
    "escaped slashes": json.dumps("a/b " * 80).replace("/", "\\/"),
    "a lone surrogate": json.dumps("\ud800" + "x" * 300),
    "short": json.dumps("short"),
    "several KB of multi-byte text": json.dumps(ANSWER * 6, ensure_ascii=False),
}


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_long_texts_read_back_exactly_everywhere(store: Store, name: str) -> None:
    text = TEXTS[name]
    journal = store.journal
    run = store.new_run(result_json=text)
    store.start(run.run_id, "u")
    journal.record_call_intent(run.run_id, "u", "u/m1", "llm", text)
    journal.complete_call(run.run_id, "u/m1", text)
    journal.complete_unit(run.run_id, "u", text)
    journal.update_run(run.run_id, status="completed", result_json=text)
    assert journal.get_run(run.run_id).result_json == text  # type: ignore[union-attr]
    journal.update_run(run.run_id, steps=1)
    assert journal.get_run(run.run_id).result_json == text  # type: ignore[union-attr]  # kept, read back
    for reader in (journal, store.twin()):
        assert reader.get_completed_unit(run.run_id, "u").output_json == text  # type: ignore[union-attr]
        assert [u.output_json for u in reader.list_units(run.run_id)] == [text]
        call = reader.get_call(run.run_id, "u/m1")
        assert call is not None and (call.request_json, call.response_json) == (text, text)
        assert [(c.request_json, c.response_json) for c in reader.list_calls(run.run_id)] == [(text, text)]
        assert reader.get_run(run.run_id).result_json == text  # type: ignore[union-attr]
        assert reader.find_run(run.run_id[:12]).result_json == text
        assert [r.result_json for r in reader.list_runs()] == [text]


def test_a_restarted_unit_and_a_resent_call_read_back_their_new_texts(store: Store) -> None:
    journal = store.journal
    run = store.new_run()
    first, second = json.dumps(ANSWER), json.dumps(OTHER)
    store.start(run.run_id, "u")
    journal.record_call_intent(run.run_id, "u", "u/m1", "llm", first)
    journal.fail_call(run.run_id, "u/m1", "timeout")
    journal.record_call_intent(run.run_id, "u", "u/m1", "llm", second)
    journal.complete_call(run.run_id, "u/m1", second)
    journal.complete_unit(run.run_id, "u", first)
    assert store.start(run.run_id, "u") == 2
    assert journal.get_unit(run.run_id, "u").output_json is None  # type: ignore[union-attr]
    journal.complete_unit(run.run_id, "u", second)
    call = journal.get_call(run.run_id, "u/m1")
    assert call is not None and (call.request_json, call.response_json) == (second, second)
    assert journal.get_completed_unit(run.run_id, "u").output_json == second  # type: ignore[union-attr]


def test_a_run_with_long_texts_exports_and_deletes_whole(store: Store, tmp_path: Path) -> None:
    journal = store.journal
    run = store.new_run()
    kept = store.new_run()
    for each in (run, kept):
        store.start(each.run_id, "u")
        journal.record_call_intent(each.run_id, "u", "u/m1", "llm", json.dumps({"messages": [ANSWER]}))
        journal.complete_call(each.run_id, "u/m1", json.dumps({"content": ANSWER}))
        journal.complete_unit(each.run_id, "u", json.dumps(ANSWER))
        journal.update_run(each.run_id, status="completed", result_json=json.dumps([ANSWER]))
    journal.export_run(run.run_id, tmp_path / "one.db")
    with SqliteJournal(tmp_path / "one.db") as copy:
        assert copy.get_completed_unit(run.run_id, "u").output_json == json.dumps(ANSWER)  # type: ignore[union-attr]
        assert copy.get_call(run.run_id, "u/m1").response_json == json.dumps({"content": ANSWER})  # type: ignore[union-attr]
        assert copy.get_run(run.run_id).result_json == json.dumps([ANSWER])  # type: ignore[union-attr]
    journal.delete_run(run.run_id)
    # The other run's texts are its own: deleting one run leaves every text of the other readable.
    assert journal.get_completed_unit(kept.run_id, "u").output_json == json.dumps(ANSWER)  # type: ignore[union-attr]
    assert journal.get_run(kept.run_id).result_json == json.dumps([ANSWER])  # type: ignore[union-attr]
