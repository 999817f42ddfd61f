"""Long strings of the journal's JSON columns, stored once per run by content and referenced from the rows.

A model answer used to be written twice per step: inside the call's `response_json` and again as the
unit's `output_json` (and a chained step's request carries earlier text again). Here every string value of
at least `MIN_LENGTH` characters in a JSON column goes to the `blobs` table, keyed by the SHA-256 of its
UTF-8 bytes within its run, and the column keeps an *envelope*: the JSON text with each such string
literal replaced by `""`, plus a short `*_refs` column saying where the literals go back.

Why content addressing and not "the step's output is its call's answer": it needs no knowledge of what
an agent does with an answer (a react agent returns it, a structured one parses it, a tool loop sends it
back as history), it deduplicates every place the same text recurs within a run, and old rows (refs
NULL) read exactly as before, so the migration adds columns and rewrites nothing.

Exactness: the envelope is cut from the original text and a literal is re-encoded with the same
`ensure_ascii` choice (recorded per column value), so the text read back is the text written, byte for
byte; a string whose literal is not found as this encoder writes it stays inline.
The envelope stays valid JSON, so SQL over it (`json_extract` of usage flags in `spent()`) still works.
Blobs live and die with their run (foreign key, ON DELETE CASCADE); a blob left behind by a restarted
unit is kept until the run is deleted.

Storage: a text's UTF-8 bytes are cut into equal parts of at most `PART_BYTES`, rows with consecutive
ids; only the first carries the digest. A row of 2 KB would take a 4 KiB page alone (two do not fit),
wasting half of it; parts of under 1 KB fill pages four or five at a time, so a 2 KB answer costs
~2.5 KB on disk with its index entries instead of ~4.1 KB.

Refs format: `a` or `u` (ASCII-escaped or raw literals), then `;offset:first_id:parts` per string,
offsets in the envelope. Example: `u;0:17:3` for a unit output that is one long string in three parts.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from aixgo_cli.store.records import journal_damaged, parse_json

MIN_LENGTH: Final = 256  # below this a blob row and its index entry cost more than they save
# A part of a stored text: with its row and cell overhead (~14 bytes, ~46 with the digest of a first part),
# four parts fill a 4 KiB page (4,088 usable bytes) to within ~30 bytes.
PART_BYTES: Final = 992
_PLACEHOLDER: Final = '""'


def long_strings(value: Any, found: list[str]) -> list[str]:
    """The string values of at least MIN_LENGTH characters in a parsed JSON value, in document order."""
    if isinstance(value, str):
        if len(value) >= MIN_LENGTH:
            found.append(value)
    elif isinstance(value, dict):
        for item in value.values():
            long_strings(item, found)
    elif isinstance(value, list):
        for item in value:
            long_strings(item, found)
    return found


@dataclass(frozen=True, slots=True)
class Cut:
    """JSON text ready to store: `text` is the envelope when `holes` is not empty, else the whole text."""

    text: str
    ascii_only: bool = True
    holes: tuple[tuple[int, str], ...] = ()


def prepare(field: str, text: str | None) -> Cut | None:
    """Check that `text` is strict JSON and cut its long strings out: done before the write transaction,
    so the lock is held only for the inserts. The text is parsed once, for both."""
    if text is None:
        return None
    value = parse_json(field, text)
    if len(text) < MIN_LENGTH + 2:
        return Cut(text)
    strings = long_strings(value, [])
    del value
    if not strings:
        return Cut(text)
    ascii_only = text.isascii()  # a raw non-ASCII character means the writer did not escape them
    parts: list[str] = []
    holes: list[tuple[int, str]] = []
    size = pos = 0
    for string in strings:
        try:
            string.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: SQLite text cannot hold it, keep it inline
            continue
        literal = json.dumps(string, ensure_ascii=ascii_only)
        at = text.find(literal, pos)
        if at < 0:  # written with escapes this encoder does not produce: keep it inline
            continue
        # The envelope is the text with this literal replaced by "": `join` puts the same literal back,
        # so the text read is the text written by construction (the contract suite checks it too).
        parts.append(text[pos:at])
        size += at - pos
        holes.append((size, string))
        parts.append(_PLACEHOLDER)
        size += len(_PLACEHOLDER)
        pos = at + len(literal)
    if not holes:
        return Cut(text)
    parts.append(text[pos:])
    return Cut("".join(parts), ascii_only, tuple(holes))


def join(envelope: str, ascii_only: bool, holes: Iterable[tuple[int, str]]) -> str:
    """The inverse of `prepare`'s cut."""
    parts: list[str] = []
    pos = 0
    for offset, value in holes:
        parts.append(envelope[pos:offset])
        parts.append(json.dumps(value, ensure_ascii=ascii_only))
        pos = offset + len(_PLACEHOLDER)
    parts.append(envelope[pos:])
    return "".join(parts)


def _blob_id(conn: sqlite3.Connection, run: int, value: str) -> tuple[int, int]:
    """(id of the first part, number of parts) of the text in this run, inserting it if it is new.

    The parts of one text get consecutive ids: they are inserted in one write transaction, which only
    this connection can hold, and SQLite gives a new row the largest id + 1."""
    data = value.encode("utf-8")
    parts = max(1, -(-len(data) // PART_BYTES))  # equal digests mean equal bytes, so equal part counts
    size = -(-len(data) // parts)  # parts of equal size: rows of mixed sizes leave more of a page unused
    digest = hashlib.sha256(data).digest()
    row = conn.execute("SELECT id FROM blobs WHERE run = ? AND sha256 = ?", (run, digest)).fetchone()
    if row is not None:
        return int(row[0]), parts
    cursor = conn.execute("INSERT INTO blobs (run, sha256, body) VALUES (?, ?, ?)", (run, digest, data[:size]))
    first = cursor.lastrowid
    assert first is not None
    for index in range(1, parts):
        piece = data[index * size : (index + 1) * size]
        cursor = conn.execute("INSERT INTO blobs (id, run, body) VALUES (?, ?, ?)", (first + index, run, piece))
    return first, parts


def store(conn: sqlite3.Connection, run: int, cut: Cut | None) -> tuple[str | None, str | None]:
    """(column text, refs) to write for a prepared text, inside the caller's write transaction."""
    if cut is None:
        return None, None
    if not cut.holes:
        return cut.text, None
    refs = "a" if cut.ascii_only else "u"
    for offset, value in cut.holes:
        first, parts = _blob_id(conn, run, value)
        refs += f";{offset}:{first}:{parts}"
    return cut.text, refs


def load(conn: sqlite3.Connection, text: str | None, refs: str | None) -> str | None:
    """The column's original text from its envelope and refs (text as is when refs is NULL)."""
    if refs is None or text is None:
        return text
    try:
        mode, *marks = refs.split(";")
        wanted = [tuple(int(number) for number in mark.split(":")) for mark in marks]
        if any(len(mark) != 3 or mark[2] < 1 for mark in wanted):
            raise ValueError(refs)
    except ValueError:
        raise journal_damaged(f"unreadable text references {refs[:40]!r}") from None
    holes = []
    for offset, first, parts in wanted:
        rows = conn.execute(
            "SELECT body FROM blobs WHERE id >= ? AND id < ? ORDER BY id", (first, first + parts)
        ).fetchall()
        if len(rows) != parts:
            raise journal_damaged(f"stored text {first} has {len(rows)} of its {parts} parts")
        try:
            holes.append((offset, b"".join(row[0] for row in rows).decode("utf-8")))
        except (TypeError, UnicodeDecodeError):
            raise journal_damaged(f"stored text {first} is not UTF-8 text") from None
    return join(text, mode == "a", holes)
