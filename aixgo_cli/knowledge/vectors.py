"""Exact vector search with numpy over float32 vectors kept as BLOBs in the index's SQLite file.

Why exact search and not an approximate index: a workflow's knowledge is thousands to a few hundred
thousand chunks, where one matrix-vector product takes milliseconds (figures: benchmarks/bench_knowledge.py),
answers are exact and deterministic (the journal replays what was found, so a search must not depend on
how a graph was built), and nothing but numpy is needed. sqlite-vec cannot be used: this Python's sqlite3
cannot load extensions. numpy is imported only when a vector search or build needs it.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Sequence
from typing import Any

_numpy_lock = threading.Lock()


def load_numpy() -> Any:
    """numpy, with OpenBLAS on one thread. A matrix-vector product is memory-bound, so more threads do not
    help; on a busy machine they hurt badly: 10k x 384 searched in 1.5 ms on one thread, 24 ms on two
    (threads spinning for a core). OpenBLAS reads the variable once, when numpy first loads, so it is set
    for that moment only: the process environment (and every subprocess a run starts) stays as it was."""
    with _numpy_lock:
        if "numpy" not in sys.modules and "OPENBLAS_NUM_THREADS" not in os.environ:
            os.environ["OPENBLAS_NUM_THREADS"] = "1"
            try:
                import numpy
            finally:
                del os.environ["OPENBLAS_NUM_THREADS"]
    import numpy

    return numpy


def to_blob(vector: Sequence[float]) -> bytes:
    np = load_numpy()

    array = np.asarray(vector, dtype=np.float32)
    norm = float(np.linalg.norm(array))
    blob: bytes = (array / norm if norm > 0 else array).astype(np.float32).tobytes()
    return blob


class VectorMatrix:
    """Unit-length vectors of an index's chunks, one row per chunk; cosine similarity is a dot product."""

    def __init__(self, rows: Sequence[tuple[int, bytes]]) -> None:
        np = load_numpy()

        self._np: Any = np
        self.ids = np.asarray([chunk_id for chunk_id, _ in rows], dtype=np.int64)
        if rows:
            self.matrix = np.frombuffer(b"".join(blob for _, blob in rows), dtype=np.float32).reshape(len(rows), -1)
        else:
            self.matrix = np.zeros((0, 0), dtype=np.float32)

    @property
    def dimensions(self) -> int:
        return int(self.matrix.shape[1]) if len(self.ids) else 0

    def __len__(self) -> int:
        return len(self.ids)

    def search(
        self, query: Sequence[float], limit: int, allowed: Sequence[int] | None = None
    ) -> list[tuple[int, float]]:
        """(chunk id, cosine similarity) of the `limit` nearest chunks, best first; ties by chunk id."""
        np = self._np
        if not len(self.ids) or limit <= 0:
            return []
        q = np.asarray(query, dtype=np.float32)
        if q.shape[0] != self.matrix.shape[1]:
            raise ValueError(f"the query vector has {q.shape[0]} dimensions, the index {self.matrix.shape[1]}")
        norm = float(np.linalg.norm(q))
        scores = self.matrix @ (q / norm if norm > 0 else q)
        ids = self.ids
        if allowed is not None:
            mask = np.isin(ids, np.asarray(list(allowed), dtype=np.int64))
            scores, ids = scores[mask], ids[mask]
        if not len(ids):
            return []
        k = min(limit, len(ids))
        top = np.argpartition(-scores, k - 1)[:k] if k < len(ids) else np.arange(len(ids))
        order = sorted(top.tolist(), key=lambda i: (-float(scores[i]), int(ids[i])))
        return [(int(ids[i]), float(scores[i])) for i in order]
