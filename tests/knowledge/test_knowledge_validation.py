"""`validate` reports what an index build or a run would refuse, each with its line and a hint."""

from __future__ import annotations

import textwrap
from pathlib import Path

from aixgo_cli.config.validate import validate_bytes, validate_path

HEAD = """\
version: 1
name: kb
agents:
  - {name: answer, role: react, model: openai/gpt-4o-mini, prompt: "{{ input }}"}
"""


def issues(text: str) -> list[tuple[int, str, str, str]]:
    report = validate_bytes((HEAD + textwrap.dedent(text)).encode(), "kb.yaml")
    return [(i.line, i.severity, i.code, f"{i.message} (hint: {i.hint})") for i in report.issues]


def test_a_valid_knowledge_block_passes() -> None:
    assert (
        issues("""\
        knowledge:
          docs:
            sources:
              - {path: docs/**/*.md}
              - {path: data/faq.jsonl, text_field: answer, metadata_fields: [category], metadata: {kind: faq}}
            chunking: {size: 500, overlap: 50, by_heading: false}
            embedding: {model: openai/text-embedding-3-small, batch_size: 16}
            search: {mode: hybrid, top_k: 4, rrf_k: 30}
            on_stale: refuse
        tools:
          - {name: search, type: retrieval, knowledge: docs, top_k: 3, mode: vector, filters: {kind: [faq, guide]}}
        """)
        == []
    )


def test_paths_out_of_the_folder_are_reported_on_their_line() -> None:
    found = issues("""\
        knowledge:
          docs:
            sources:
              - path: ../secrets/*.md
              - path: /etc/hosts
        """)
    assert [(line, code) for line, _, code, _ in found] == [(8, "unsafe-path"), (9, "unsafe-path")]
    assert "climbs out of the workflow's folder" in found[0][3] and "absolute" in found[1][3]


def test_chunking_and_search_contradictions() -> None:
    found = issues("""\
        knowledge:
          docs:
            sources: [{path: a.txt, text_field: body}]
            chunking: {size: 100, overlap: 100}
            search: {mode: vector}
        """)
    codes = {(line, severity, code) for line, severity, code, _ in found}
    assert codes == {(7, "warning", "unused-key"), (8, "error", "bad-overlap"), (9, "error", "needs-embedding")}


def test_unknown_keys_and_missing_sources_are_schema_errors() -> None:
    found = issues("""\
        knowledge:
          docs:
            source: [{path: a.md}]
            chunking: {size: 10}
        """)
    messages = " | ".join(m for _, _, _, m in found)
    assert "unknown key 'source'" in messages and "'sources'" in messages  # with the right one suggested
    assert any(line == 8 for line, *_ in found)  # size below 50


def test_references_to_indexes_are_checked() -> None:
    found = issues("""\
        knowledge:
          handbook:
            sources: [{path: a.md}]
          answer:
            sources: [{path: b.md}]
        tools:
          - {name: search, type: retrieval, knowledge: handbok}
          - {name: find, type: retrieval}
        orchestration:
          pattern: rag
          config: {retriever: handbok, generator: answer}
        """)
    by_code = {code: (line, message) for line, _, code, message in found}
    assert by_code["unknown-knowledge"][0] == 11 and "did you mean 'handbook'" in by_code["unknown-knowledge"][1]
    assert by_code["name-clash"][0] == 8
    assert by_code["unknown-agent"][0] == 15 and "knowledge index" in by_code["unknown-agent"][1]
    assert any(line == 12 and "knowledge" in message for line, _, _, message in found)  # required for retrieval


def test_a_knowledge_index_may_be_the_rag_retriever() -> None:
    assert (
        issues("""\
        knowledge:
          handbook:
            sources: [{path: a.md}]
        orchestration:
          pattern: rag
          config: {retriever: handbook, generator: answer, top_k: 3, max_queries: 2, rrf_k: 10,
                   filters: {source: "docs/*.md"}}
        """)
        == []
    )


def test_a_source_that_matches_no_file_beside_the_workflow_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("# A\n", encoding="utf-8")
    path = tmp_path / "kb.yaml"
    path.write_text(
        HEAD + "knowledge:\n  docs:\n    sources:\n      - path: docs/*.md\n      - path: docs/missing.txt\n",
        encoding="utf-8",
    )
    report = validate_path(path)
    assert [(i.line, i.code) for i in report.issues] == [(9, "no-such-file")]
