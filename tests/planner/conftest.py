"""Fixtures for the planner tests: the engine harness (in-process Runner over a real journal, as in
tests/engine) and, re-exported, the end-to-end fixtures that run the real CLI against the stub server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.e2e.conftest import cli, stub, stub_server
from tests.engine.engine_helpers import Harness

from aixgo_cli.store.memory_journal import MemoryJournal
from aixgo_cli.store.sqlite_journal import SqliteJournal

__all__ = ["cli", "stub", "stub_server"]


@pytest.fixture(autouse=True)
def work_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def mem(tmp_path: Path) -> Iterator[Harness]:
    with MemoryJournal() as journal:
        yield Harness(tmp_path, journal)


@pytest.fixture
def sql(tmp_path: Path) -> Iterator[Harness]:
    with SqliteJournal(tmp_path / "journal.db") as journal:
        yield Harness(tmp_path, journal)
