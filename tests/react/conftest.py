"""Fixtures for the react tests: the engine harness (in-process Runner over a real journal, as in
tests/engine), tool modules written beside each test's workflow and removed from the import system
afterwards, and, re-exported, the end-to-end fixtures that run the real CLI against the stub server."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.e2e.conftest import cli, stub, stub_server
from tests.engine.engine_helpers import Harness

from aixgo_cli.store.memory_journal import MemoryJournal
from aixgo_cli.store.sqlite_journal import SqliteJournal

__all__ = ["cli", "stub", "stub_server"]


@pytest.fixture(autouse=True)
def clean_imports() -> Iterator[None]:
    path, modules = list(sys.path), set(sys.modules)
    yield
    sys.path[:] = path
    for name in set(sys.modules) - modules:
        if name.startswith("engine_tools_"):
            del sys.modules[name]


@pytest.fixture(autouse=True)
def work_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def mem(tmp_path: Path) -> Iterator[Harness]:
    with MemoryJournal() as journal:
        yield Harness(tmp_path, journal)


@pytest.fixture(params=["memory", "sqlite"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    if request.param == "sqlite":
        with SqliteJournal(tmp_path / "journal.db") as journal:
            yield Harness(tmp_path, journal)
    else:
        with MemoryJournal() as memory:
            yield Harness(tmp_path, memory)
