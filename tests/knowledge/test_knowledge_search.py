"""Search inputs that come from users and models are data, never SQL or FTS5 syntax."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.knowledge.knowledge_helpers import corpus_workflow, service

from aixgo_cli.knowledge.search import SearchError, filter_sql, fuse, match_expression


def test_query_text_is_never_parsed_as_fts5_syntax() -> None:
    assert (
        match_expression('brake" OR NEAR(x y) * AND -pads:')
        == '"brake" OR "or" OR "near" OR "x" OR "y" OR "and" OR "pads"'
    )
    assert match_expression("¿?!") == ""


@pytest.mark.parametrize("key", ["x') OR 1=1 --", "$.a", "a b", "", "1abc"])
def test_filter_keys_are_checked_before_they_reach_sql(key: str) -> None:
    with pytest.raises(SearchError, match="is not a metadata name"):
        filter_sql({key: "v"})


def test_filter_values_are_bound_parameters() -> None:
    where, params = filter_sql({"category": ["a'; DROP TABLE chunks; --", "b"], "source": "docs/*.md"})
    assert "DROP" not in where and params == ["a'; DROP TABLE chunks; --", "b", "docs/*.md"]
    with pytest.raises(SearchError, match="must be a text, number or boolean"):
        filter_sql({"category": {"nested": 1}})


def test_reciprocal_rank_fusion() -> None:
    fused = fuse([[(1, 9.0), (2, 5.0), (3, 1.0)], [(3, 0.9), (1, 0.8)]], k=60)
    assert [chunk for chunk, _ in fused] == [1, 3, 2]
    assert fused[0][1] == pytest.approx(1 / 61 + 1 / 62)
    assert fused[2][1] == pytest.approx(1 / 62)


def test_hostile_searches_on_a_real_index_fail_cleanly(tmp_path: Path) -> None:
    _, knowledge = service(corpus_workflow(tmp_path, None), embed=False)
    knowledge.prepare()
    hits = knowledge.search("handbook", "'; DROP TABLE chunks; -- brake").hits
    assert hits and hits[0].source == "corpus/handbook/brakes.md"
    with pytest.raises(SearchError, match="can only search by keyword"):
        knowledge.search("handbook", "brake", mode="vector")
    with pytest.raises(SearchError, match="is not a metadata name"):
        knowledge.search("handbook", "brake", filters={"x') OR 1=1 --": 1})
    assert knowledge.store("handbook").counts()["chunks"] > 0  # still all there
