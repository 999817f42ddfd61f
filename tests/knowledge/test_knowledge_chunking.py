"""Chunks keep their place in the file: lines, bytes, record index, heading path."""

from __future__ import annotations

from itertools import pairwise

from aixgo_cli.knowledge.chunking import chunk_file
from aixgo_cli.knowledge.spec import ChunkingSpec, SourceSpec

RULE = ChunkingSpec(size=100, overlap=40, by_heading=True)


def test_text_chunks_point_at_their_bytes_and_lines() -> None:
    text = "".join(f"line {n} says something about ünïcode\n" for n in range(1, 21))
    data = text.encode()
    chunks = chunk_file(data, "notes.txt", "text", SourceSpec("notes.txt"), RULE)
    assert len(chunks) > 5
    for chunk in chunks:
        assert chunk.byte_start is not None and chunk.byte_end is not None
        assert data[chunk.byte_start : chunk.byte_end].decode() == chunk.text
        assert chunk.text.splitlines()[0] == f"line {chunk.line_start} says something about ünïcode"
        assert len(chunk.text) <= RULE.size
    # consecutive chunks share whole lines (the overlap), and every line is in some chunk
    assert all(a.line_end == b.line_start for a, b in pairwise(chunks))
    covered = {n for c in chunks for n in range(c.line_start or 0, (c.line_end or 0) + 1)}
    assert covered == set(range(1, 21))


def test_markdown_is_cut_at_headings_and_chunks_carry_the_heading_path() -> None:
    doc = (
        "# Guide\n\nIntro.\n\n## Install\n\nRun the installer.\n\n### Linux\n\nUse the package.\n\n"
        "```\n# not a heading\n```\n"
    )
    chunks = chunk_file(doc.encode(), "g.md", "markdown", SourceSpec("g.md"), ChunkingSpec(500, 0, True))
    assert [c.heading for c in chunks] == ["Guide", "Guide > Install", "Guide > Install > Linux"]
    assert "# not a heading" in chunks[-1].text  # fenced code is not a heading
    flat = chunk_file(doc.encode(), "g.md", "markdown", SourceSpec("g.md"), ChunkingSpec(500, 0, False))
    assert len(flat) == 1 and flat[0].heading == ""


def test_a_line_longer_than_the_chunk_is_cut() -> None:
    data = ("x" * 150 + "\n").encode()
    chunks = chunk_file(data, "a.txt", "text", SourceSpec("a.txt"), ChunkingSpec(50, 0, True))
    assert [len(c.text) for c in chunks] == [50, 50, 50]
    assert [c.byte_start for c in chunks] == [0, 50, 100]


def test_jsonl_records_carry_their_index_line_and_fields() -> None:
    data = b'{"body": "first", "tag": "a"}\n\n{"body": "second", "tag": "b", "x": 1}\n'
    source = SourceSpec("r.jsonl", text_field="body", metadata_fields=("tag",), metadata={"kind": "faq"})
    chunks = chunk_file(data, "r.jsonl", "jsonl", source, RULE)
    assert [(c.text, c.record, c.line_start) for c in chunks] == [("first", 0, 1), ("second", 1, 3)]
    assert chunks[1].metadata == {"tag": "b", "kind": "faq", "source": "r.jsonl", "format": "jsonl"}


def test_a_bad_jsonl_record_names_its_line() -> None:
    import pytest

    from aixgo_cli.errors import UserError

    with pytest.raises(UserError, match=r"r\.jsonl:2: the record has no text field 'text'"):
        chunk_file(b'{"text": "ok"}\n{"body": "no"}\n', "r.jsonl", "jsonl", SourceSpec("r.jsonl"), RULE)
    with pytest.raises(UserError, match=r"r\.jsonl:1: not valid JSON"):
        chunk_file(b"{oops\n", "r.jsonl", "jsonl", SourceSpec("r.jsonl"), RULE)


def test_html_keeps_visible_text_only() -> None:
    page = (
        b"<html><head><script>var secret = 1;</script><style>p{}</style></head>\n<body>\n"
        b"<h1>Title</h1>\n<p>Body &amp; soul.</p></body></html>"
    )
    chunks = chunk_file(page, "p.html", "html", SourceSpec("p.html"), ChunkingSpec(500, 0, True))
    assert len(chunks) == 1
    assert chunks[0].text == "Title\nBody & soul."
    assert "secret" not in chunks[0].text and chunks[0].line_start == 3
