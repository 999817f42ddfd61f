"""Cutting a source file into chunks that remember where they came from.

Text is cut on line boundaries into chunks of at most `size` characters, and consecutive chunks share
up to `overlap` characters of whole lines, so a sentence at a boundary is found from both sides. A line
longer than `size` is cut into pieces of `size`. Markdown with `by_heading` is first split into sections
at its headings; a chunk never spans two sections and carries its heading path ("Install > Linux").
JSONL: each record's text field is chunked on its own, with the record's index and line. HTML: the
visible text (not scripts or styles), with the source line each text line came from.

Every chunk carries 1-based `line_start`/`line_end` and, for text and Markdown, the byte range in the file.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from aixgo_cli.errors import UserError
from aixgo_cli.knowledge.spec import ChunkingSpec, SourceSpec
from aixgo_cli.store.knowledge_index import StoredChunk

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


@dataclass(frozen=True)
class Line:
    number: int  # 1-based line in the source file
    text: str  # without its line break
    byte_start: int | None
    byte_end: int | None


def chunk_file(data: bytes, relative: str, fmt: str, source: SourceSpec, rule: ChunkingSpec) -> list[StoredChunk]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UserError(
            f"{relative} is not UTF-8 text (byte {exc.start})", hint="convert it to UTF-8 or leave it out of sources"
        ) from None
    base_meta = {**dict(source.metadata), "source": relative, "format": fmt}
    pieces: list[tuple[list[Line], str, int | None, dict[str, Any]]] = []
    if fmt == "jsonl":
        pieces = list(_jsonl_pieces(text, relative, source))
    elif fmt == "html":
        pieces = [(_html_lines(text), "", None, {})]
    elif fmt == "markdown" and rule.by_heading:
        pieces = [(lines, heading, None, {}) for lines, heading in _sections(_lines(data, text))]
    else:
        pieces = [(_lines(data, text), "", None, {})]
    chunks: list[StoredChunk] = []
    for lines, heading, record, extra in pieces:
        for group in _windows(lines, rule):
            body = "\n".join(line.text for line in group).strip()
            if not body:
                continue
            chunks.append(
                StoredChunk(
                    ordinal=len(chunks),
                    text=body,
                    heading=heading,
                    text_hash=hashlib.sha256(f"{heading}\n{body}".encode()).hexdigest()[:32],
                    line_start=group[0].number,
                    line_end=group[-1].number,
                    byte_start=group[0].byte_start,
                    byte_end=group[-1].byte_end,
                    record=record,
                    metadata={**base_meta, **extra},
                )
            )
    return chunks


def _lines(data: bytes, text: str) -> list[Line]:
    out: list[Line] = []
    offset = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    for number, raw in enumerate(text.splitlines(keepends=True), start=1):
        size = len(raw.encode("utf-8"))
        stripped = raw.rstrip("\r\n")
        out.append(Line(number, stripped, offset, offset + len(stripped.encode("utf-8"))))
        offset += size
    return out


def _sections(lines: list[Line]) -> Iterator[tuple[list[Line], str]]:
    path: list[tuple[int, str]] = []
    current: list[Line] = []
    heading = ""
    fenced = False
    for line in lines:
        if line.text.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        match = None if fenced else _HEADING.match(line.text)
        if match:
            if current:
                yield current, heading
            level = len(match.group(1))
            path = [(lvl, title) for lvl, title in path if lvl < level] + [(level, match.group(2))]
            heading = " > ".join(title for _, title in path)
            current = [line]
        else:
            current.append(line)
    if current:
        yield current, heading


def _split_long(line: Line, size: int) -> list[Line]:
    if len(line.text) <= size:
        return [line]
    pieces = []
    offset = line.byte_start
    for start in range(0, len(line.text), size):
        part = line.text[start : start + size]
        end = None if offset is None else offset + len(part.encode("utf-8"))
        pieces.append(Line(line.number, part, offset, end))
        offset = end
    return pieces


def _windows(lines: list[Line], rule: ChunkingSpec) -> Iterator[list[Line]]:
    units = [piece for line in lines for piece in _split_long(line, rule.size)]
    start = 0
    while start < len(units):
        end, length = start, 0
        while end < len(units) and (end == start or length + len(units[end].text) + 1 <= rule.size):
            length += len(units[end].text) + 1
            end += 1
        yield units[start:end]
        if end >= len(units):
            return
        # Step back over whole lines worth at most `overlap` characters, but always move forward.
        back, shared = end, 0
        while back - 1 > start and shared + len(units[back - 1].text) + 1 <= rule.overlap:
            back -= 1
            shared += len(units[back].text) + 1
        start = back


def _jsonl_pieces(
    text: str, relative: str, source: SourceSpec
) -> Iterator[tuple[list[Line], str, int | None, dict[str, Any]]]:
    record = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise UserError(f"{relative}:{number}: not valid JSON ({exc.msg})", hint="fix the line") from None
        field = value.get(source.text_field) if isinstance(value, dict) else None
        if not isinstance(field, str):
            raise UserError(
                f"{relative}:{number}: the record has no text field '{source.text_field}'",
                hint="set text_field: on the source to the field that holds the text",
            )
        extra = {name: value[name] for name in source.metadata_fields if name in value}
        lines = [Line(number, part, None, None) for part in field.splitlines() or [""]]
        yield lines, "", record, extra
        record += 1


class _TextOfHtml(HTMLParser):
    _SKIPPED = frozenset({"script", "style", "template", "noscript"})
    _BREAKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[Line] = []
        self._open: list[str] = []
        self._parts: list[str] = []
        self._first_line = 1

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in self._BREAKS:
            self._flush()
        self._open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        while self._open and self._open.pop() != tag:
            pass
        if tag in self._BREAKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if any(tag in self._SKIPPED for tag in self._open) or not data.strip():
            return
        if not self._parts:
            self._first_line = self.getpos()[0]
        self._parts.append(" ".join(data.split()))

    def _flush(self) -> None:
        if self._parts:
            self.lines.append(Line(self._first_line, " ".join(self._parts), None, None))
            self._parts = []


def _html_lines(text: str) -> list[Line]:
    parser = _TextOfHtml()
    parser.feed(text)
    parser.close()
    parser._flush()
    return parser.lines
