"""Every journal implementation behind one `store` fixture (see aixgo_cli.testing.journal_contract)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from aixgo_cli.store.memory_journal import MemoryJournal
from aixgo_cli.store.protocol import Journal
from aixgo_cli.store.sqlite_journal import SqliteJournal

# The contract suite lives in the package; its asserts get pytest's detailed failure messages all the same.
pytest.register_assert_rewrite("aixgo_cli.testing.journal_contract")

from aixgo_cli.testing.journal_contract import FakeClock, Store  # noqa: E402


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(params=["sqlite", "memory"])
def store(request: pytest.FixtureRequest, tmp_path: Path, clock: FakeClock) -> Iterator[Store]:
    if request.param == "sqlite":
        path = tmp_path / "home" / "runs.db"
        handles: list[SqliteJournal] = []

        def open_sqlite() -> Journal:
            handle = SqliteJournal(path, clock=clock)
            handles.append(handle)
            return handle

        yield Store("sqlite", open_sqlite(), clock, open_sqlite)
        for handle in handles:
            handle.close()
    else:
        memory = MemoryJournal(clock=clock)
        yield Store("memory", memory, clock, lambda: memory)
        memory.close()
