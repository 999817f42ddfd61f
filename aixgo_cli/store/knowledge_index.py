"""One knowledge index in one SQLite file: files, chunks, an FTS5 keyword index and embedding vectors.

Why it looks like this:

* `files` holds each source file's content hash and the hash of the chunking rule it was cut with. A
  file's chunks are replaced in the same transaction that records its new hash, so a build killed at any
  moment leaves every file either fully old or fully new, and the next build redoes only what differs.
* `chunks_fts` is an FTS5 table over the chunk text and its Markdown heading, with the Porter stemmer,
  stored as an *external content* table (the text lives once, in `chunks`). BM25 is FTS5's own ranking.
* `vectors` is keyed by the hash of the chunk *text*, not by chunk id: re-chunking an edited file keeps
  the vectors of every chunk whose text did not change, and two identical chunks share one vector. They
  are float32 BLOBs; `knowledge.vectors` searches them exactly with numpy (see docs/dependencies.md).
* `embedding_calls` journals every embedding request of every build with its tokens, cost and attempts.
* The file is created 0600 in a 0700 directory, WAL, busy timeout: the same rules as the run journal.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aixgo_cli.errors import ConfigurationError
from aixgo_cli.store.sqlite_db import BUSY_TIMEOUT_MS, _enable_wal, create_private_file, translated_errors

INDEX_FORMAT = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,
    content_hash TEXT NOT NULL,
    rule_hash TEXT NOT NULL,
    chunks INTEGER NOT NULL,
    indexed_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL,
    ordinal INTEGER NOT NULL,
    text TEXT NOT NULL,
    heading TEXT NOT NULL DEFAULT '',
    text_hash TEXT NOT NULL,
    line_start INTEGER,
    line_end INTEGER,
    byte_start INTEGER,
    byte_end INTEGER,
    record INTEGER,
    metadata TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_by_path ON chunks(path);
CREATE INDEX IF NOT EXISTS chunks_by_hash ON chunks(text_hash);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
    text, heading, content='chunks', content_rowid='id', tokenize='porter unicode61'
);
CREATE TABLE IF NOT EXISTS vectors (text_hash TEXT PRIMARY KEY, vector BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS embedding_calls (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    model TEXT NOT NULL,
    texts INTEGER NOT NULL,
    tokens INTEGER NOT NULL,
    cost_usd REAL NOT NULL,
    attempts INTEGER NOT NULL
);
"""


@dataclass(frozen=True)
class StoredChunk:
    ordinal: int
    text: str
    heading: str
    text_hash: str
    line_start: int | None
    line_end: int | None
    byte_start: int | None
    byte_end: int | None
    record: int | None
    metadata: dict[str, Any]


@dataclass(frozen=True)
class ChunkRow:
    id: int
    path: str
    text: str
    heading: str
    line_start: int | None
    line_end: int | None
    byte_start: int | None
    byte_end: int | None
    record: int | None
    metadata: dict[str, Any]


_CHUNK_COLUMNS = (
    "c.id, c.path, c.text, c.heading, c.line_start, c.line_end, c.byte_start, c.byte_end, c.record, c.metadata"
)


def _row(values: Sequence[Any]) -> ChunkRow:
    chunk_id, path, text, heading, line_start, line_end, byte_start, byte_end, record, metadata = values
    positions = (line_start, line_end, byte_start, byte_end, record)
    return ChunkRow(chunk_id, path, text, heading, *positions, metadata=json.loads(metadata))


class KnowledgeIndexStore:
    """The SQLite file of one index. One connection, shared by threads under a lock; opened lazily."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.RLock()

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            try:
                create_private_file(self.path)
            except OSError as exc:
                raise ConfigurationError(
                    f"cannot create the knowledge index {self.path}: {exc.strerror or exc}",
                    hint="set AIXGO_HOME to a writable directory",
                ) from None
            with translated_errors(self.path):
                conn = sqlite3.connect(
                    self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
                )
                conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                _enable_wal(conn)
                conn.execute("PRAGMA synchronous = NORMAL")
                conn.executescript(_SCHEMA)
                found = conn.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
                if found is None:
                    conn.execute("INSERT INTO meta VALUES ('format', ?)", (str(INDEX_FORMAT),))
                elif int(found[0]) > INDEX_FORMAT:
                    conn.close()
                    raise ConfigurationError(
                        f"the knowledge index {self.path} was written by a newer aixgo",
                        hint="upgrade aixgo, or rebuild it: aixgo index rm WORKFLOW, then aixgo index build WORKFLOW",
                    )
            self._conn = conn
        return self._conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock, translated_errors(self.path):
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            with conn:
                yield conn

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        with self._lock, translated_errors(self.path):
            return self._connection().execute(sql, tuple(params)).fetchall()

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    # meta and files ---------------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        rows = self._query("SELECT value FROM meta WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

    def set_meta(self, key: str, value: str) -> None:
        with self._write() as conn:
            conn.execute(
                "INSERT INTO meta VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value)
            )

    def file_hashes(self) -> dict[str, tuple[str, str]]:
        """path -> (content hash, rule hash) of every indexed file."""
        return {p: (c, r) for p, c, r in self._query("SELECT path, content_hash, rule_hash FROM files")}

    def replace_file(self, path: str, content_hash: str, rule_hash: str, chunks: Iterable[StoredChunk]) -> int:
        """Swap a file's chunks for new ones and record its hashes, in one transaction."""
        with self._write() as conn:
            self._delete_chunks(conn, path)
            count = 0
            for chunk in chunks:
                cursor = conn.execute(
                    "INSERT INTO chunks (path, ordinal, text, heading, text_hash, line_start, line_end, byte_start,"
                    " byte_end, record, metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        path,
                        chunk.ordinal,
                        chunk.text,
                        chunk.heading,
                        chunk.text_hash,
                        chunk.line_start,
                        chunk.line_end,
                        chunk.byte_start,
                        chunk.byte_end,
                        chunk.record,
                        json.dumps(chunk.metadata, ensure_ascii=False, sort_keys=True),
                    ),
                )
                conn.execute(
                    "INSERT INTO chunks_fts (rowid, text, heading) VALUES (?, ?, ?)",
                    (cursor.lastrowid, chunk.text, chunk.heading),
                )
                count += 1
            conn.execute(
                "INSERT INTO files VALUES (?, ?, ?, ?, ?) ON CONFLICT(path) DO UPDATE SET content_hash ="
                " excluded.content_hash, rule_hash = excluded.rule_hash, chunks = excluded.chunks,"
                " indexed_at = excluded.indexed_at",
                (path, content_hash, rule_hash, count, time.time()),
            )
        return count

    def remove_file(self, path: str) -> None:
        with self._write() as conn:
            self._delete_chunks(conn, path)
            conn.execute("DELETE FROM files WHERE path = ?", (path,))

    @staticmethod
    def _delete_chunks(conn: sqlite3.Connection, path: str) -> None:
        old = conn.execute("SELECT id, text, heading FROM chunks WHERE path = ?", (path,)).fetchall()
        conn.executemany("INSERT INTO chunks_fts (chunks_fts, rowid, text, heading) VALUES ('delete', ?, ?, ?)", old)
        conn.execute("DELETE FROM chunks WHERE path = ?", (path,))

    # vectors ----------------------------------------------------------------------------------------

    def texts_without_vectors(self) -> list[tuple[str, str]]:
        """(text hash, text) of every distinct chunk text that has no vector yet, in index order."""
        return [
            (h, t)
            for h, t in self._query(
                "SELECT text_hash, MIN(CASE heading WHEN '' THEN text ELSE heading || char(10) || text END)"
                " FROM chunks c WHERE NOT EXISTS"
                " (SELECT 1 FROM vectors v WHERE v.text_hash = c.text_hash) GROUP BY text_hash ORDER BY MIN(id)"
            )
        ]

    def add_vectors(self, rows: Iterable[tuple[str, bytes]], call: tuple[str, int, int, float, int]) -> None:
        """Store one embedding request's vectors and its journal line (model, texts, tokens, cost, attempts)."""
        with self._write() as conn:
            conn.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)", list(rows))
            conn.execute(
                "INSERT INTO embedding_calls (at, model, texts, tokens, cost_usd, attempts) VALUES (?, ?, ?, ?, ?, ?)",
                (time.time(), *call),
            )

    def drop_vectors(self) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM vectors")
            conn.execute("DELETE FROM meta WHERE key = 'dimensions'")

    def prune_vectors(self) -> int:
        """Forget vectors no chunk uses any more."""
        with self._write() as conn:
            cursor = conn.execute(
                "DELETE FROM vectors WHERE NOT EXISTS (SELECT 1 FROM chunks c WHERE c.text_hash = vectors.text_hash)"
            )
            return int(cursor.rowcount)

    def chunk_vectors(self) -> list[tuple[int, bytes]]:
        return [
            (int(i), bytes(v))
            for i, v in self._query(
                "SELECT c.id, v.vector FROM chunks c JOIN vectors v USING (text_hash) ORDER BY c.id"
            )
        ]

    # search and status ------------------------------------------------------------------------------

    def keyword_search(
        self, match: str, limit: int, where: str = "", params: Sequence[Any] = ()
    ) -> list[tuple[int, float]]:
        """(chunk id, BM25 score, higher is better) for an FTS5 MATCH expression, within a chunk filter."""
        if where:
            sql = (
                "SELECT f.rowid, -bm25(chunks_fts) FROM chunks_fts f JOIN chunks c ON c.id = f.rowid"
                f" WHERE chunks_fts MATCH ? AND ({where}) ORDER BY bm25(chunks_fts) LIMIT ?"
            )
        else:
            sql = (
                "SELECT rowid, -bm25(chunks_fts) FROM chunks_fts WHERE chunks_fts MATCH ?"
                " ORDER BY bm25(chunks_fts) LIMIT ?"
            )
        return [(int(i), float(s)) for i, s in self._query(sql, [match, *params, limit])]

    def filtered_ids(self, where: str, params: Sequence[Any]) -> list[int]:
        return [int(r[0]) for r in self._query(f"SELECT c.id FROM chunks c WHERE {where}", params)]

    def chunks(self, ids: Sequence[int]) -> dict[int, ChunkRow]:
        if not ids:
            return {}
        rows = self._query(f"SELECT {_CHUNK_COLUMNS} FROM chunks c WHERE c.id IN ({','.join('?' * len(ids))})", ids)
        return {int(r[0]): _row(r) for r in rows}

    def counts(self) -> dict[str, Any]:
        files, chunks = self._query("SELECT (SELECT COUNT(*) FROM files), (SELECT COUNT(*) FROM chunks)")[0]
        missing = self._query(
            "SELECT COUNT(*) FROM chunks c WHERE NOT EXISTS (SELECT 1 FROM vectors v WHERE v.text_hash = c.text_hash)"
        )[0][0]
        calls, tokens, cost = self._query(
            "SELECT COUNT(*), COALESCE(SUM(tokens), 0), COALESCE(SUM(cost_usd), 0) FROM embedding_calls"
        )[0]
        return {
            "files": int(files),
            "chunks": int(chunks),
            "chunks_without_vectors": int(missing),
            "embedding_calls": int(calls),
            "embedding_tokens": int(tokens),
            "embedding_cost_usd": float(cost),
        }
