"""A fan-out's result is written to the journal a page of items at a time and read back in order: the
driver never holds the whole list, and what the run records is exactly the list it returned."""

from __future__ import annotations

import json
import sqlite3

import pytest
from tests.engine.engine_helpers import Harness, by_model

from aixgo_cli.engine import result_items
from aixgo_cli.engine.result_items import StoredResult
from aixgo_cli.engine.runner import RunParams
from aixgo_cli.providers.types import ChatRequest

FANOUT = """
version: 1
name: many
agents:
  - {name: items, role: producer, producer_config: {source: input, format: lines}}
  - {name: answer, role: react, model: fake/answer, inputs: [items], concurrency: 8}
"""

TWO_PRODUCERS = """
version: 1
name: two-sources
agents:
  - {name: fruit, role: producer, producer_config: {source: items, items: [apple, pear]}, outputs: [answer]}
  - {name: veg, role: producer, producer_config: {source: items, items: [leek]}, outputs: [answer]}
  - {name: answer, role: react, model: fake/answer}
"""


def answer_text(line: str) -> str:
    return f"answer to {line} " + "é" * (300 if line.endswith("7") else 3)  # some past blobs' threshold


def answer(request: ChatRequest) -> str:
    return answer_text(request.last_user_text())


def expected(count: int) -> list[str]:
    return [answer_text(f"q{n}") for n in range(count)]


@pytest.fixture
def nothing_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(result_items, "KEEP_IN_MEMORY", 0)


def questions(count: int) -> str:
    return "\n".join(f"q{n}" for n in range(count))


@pytest.mark.usefixtures("nothing_kept")
def test_a_large_result_is_read_back_from_the_journal_in_order(sql: Harness) -> None:
    sql.write(FANOUT)
    outcome = sql.start(by_model({"fake/answer": answer}), RunParams(input=questions(600)))
    assert outcome.status == "completed", outcome.error
    assert isinstance(outcome.value, StoredResult) and outcome.value.kept is None
    assert outcome.value.count == 600
    assert list(outcome.result_lines()) == expected(600)  # three pages and a bit, in lane order
    assert outcome.result == expected(600)
    stored = sql.journal.get_run(outcome.run_id)
    assert stored is not None and stored.result_json == json.dumps(expected(600), ensure_ascii=False)


def test_a_small_result_is_kept_in_memory_and_stored_the_same_way(engine: Harness) -> None:
    engine.write(FANOUT)
    outcome = engine.start(by_model({"fake/answer": answer}), RunParams(input=questions(12)))
    assert outcome.status == "completed", outcome.error
    assert isinstance(outcome.value, StoredResult) and outcome.value.kept == expected(12)
    texts = engine.journal.result_items(outcome.run_id, 0, 100)
    assert texts == [json.dumps(a, ensure_ascii=False) for a in expected(12)]
    stored = engine.journal.get_run(outcome.run_id)
    assert stored is not None and json.loads(stored.result_json or "null") == expected(12)


def test_the_run_row_holds_a_count_not_a_copy_of_the_answers(sql: Harness) -> None:
    sql.write(FANOUT)
    outcome = sql.start(by_model({"fake/answer": answer}), RunParams(input=questions(30)))
    assert outcome.status == "completed", outcome.error
    path = sql.journal.path  # type: ignore[attr-defined]
    with sqlite3.connect(path) as raw:
        row = raw.execute("SELECT result_json, result_refs, result_items FROM runs").fetchone()
        items = raw.execute("SELECT count(*) FROM result_items").fetchone()[0]
        # The 300-character answers are stored once: the unit's output and the result item share one blob.
        blobs = raw.execute("SELECT count(*) FROM blobs").fetchone()[0]
    assert row == (None, None, 30)
    assert items == 30
    assert blobs == 3  # q7, q17, q27


def test_each_producers_lanes_follow_the_earlier_producers_in_the_result(engine: Harness) -> None:
    engine.write(TWO_PRODUCERS)
    outcome = engine.start(by_model({"fake/answer": lambda r: "ok " + r.last_user_text()}))
    assert outcome.status == "completed", outcome.error
    assert outcome.result == ["ok apple", "ok pear", "ok leek"]


@pytest.mark.usefixtures("nothing_kept")
def test_a_paused_fan_out_resumes_to_the_same_result_without_duplicates(sql: Harness) -> None:
    sql.write(FANOUT)
    client = by_model({"fake/answer": answer})
    first = sql.start(client, RunParams(input=questions(300), max_steps=120))
    assert first.status == "paused"
    stored = sql.journal.get_run(first.run_id)
    assert stored is not None and stored.result_json is None  # no result until the run completes
    second = sql.resume(first.run_id, by_model({"fake/answer": answer}), max_steps=1000)
    assert second.status == "completed", second.error
    assert second.result == expected(300)
    again = sql.journal.get_run(first.run_id)
    assert again is not None and json.loads(again.result_json or "null") == expected(300)
