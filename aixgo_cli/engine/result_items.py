"""A fan-out's result, written to the journal a page of items at a time as its lanes finish.

The result of a map over N items is the list of N lane results. Held as one list, dumped as one JSON
text and written as one value, it made the driver's memory grow with N (its peak was about three times
the answers: the list, the text and SQLite's copy of it, 165 MB at 100,000 items against 56 MB at
10,000). Here each lane's result is encoded when its lane finishes and written with the next page
(`Journal.put_result_items`), and the run records only how many items its result has; whoever reads the
run gets the list back, and the CLI prints it from the journal a page at a time.

Results of up to `KEEP_IN_MEMORY` items are kept as a list too, so that callers in this process
(served runs, tests) get a small result without reading the journal again.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

from aixgo_cli.secrets.redaction import redact
from aixgo_cli.store.protocol import Journal
from aixgo_cli.store.rules import missing_result_items

PAGE: Final = 256
"""Items per journal write and per read back: one write transaction per 256 lanes, and a bounded buffer."""
KEEP_IN_MEMORY: Final = 1000


@dataclass(frozen=True)
class StoredResult:
    """A run's list result as the journal holds it: `count` items, iterated in order, a page at a time."""

    journal: Journal
    run_id: str
    count: int
    kept: list[Any] | None = None

    def __iter__(self) -> Iterator[Any]:
        if self.kept is not None:
            yield from self.kept
            return
        start = 0
        while start < self.count:
            texts = self.journal.result_items(self.run_id, start, min(PAGE, self.count - start))
            if not texts:
                raise missing_result_items(self.run_id, start, self.count)
            for text in texts:
                yield json.loads(text)
            start += len(texts)

    def as_list(self) -> list[Any]:
        return list(self)


class ResultWriter:
    """Collects lane results by position and writes them a page at a time (in the collecting thread)."""

    def __init__(self, journal: Journal, run_id: str, *, keep_in_memory: int | None = None) -> None:
        self.journal = journal
        self.run_id = run_id
        self.keep_in_memory = KEEP_IN_MEMORY if keep_in_memory is None else keep_in_memory
        self._page: list[tuple[int, str]] = []
        self._kept: dict[int, Any] | None = {}

    def add(self, position: int, value: Any) -> None:
        # Redacted as the whole result used to be: a secret never reaches the journal through a result.
        self._page.append((position, redact(json.dumps(value, ensure_ascii=False))))
        if self._kept is not None:
            if position < self.keep_in_memory:
                self._kept[position] = value
            else:
                self._kept = None  # a large result: read back from the journal, never held whole
        if len(self._page) >= PAGE:
            self.flush()

    def flush(self) -> None:
        if self._page:
            self.journal.put_result_items(self.run_id, self._page)
            self._page = []

    def finished(self, count: int) -> StoredResult:
        """All `count` items are in: write the last page and describe the result."""
        self.flush()
        kept = self._kept
        in_memory = [kept[n] for n in range(count)] if kept is not None and len(kept) == count else None
        return StoredResult(self.journal, self.run_id, count, in_memory)
