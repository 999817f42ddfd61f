"""Fixtures for aggregator tests: an in-process engine harness over an in-memory journal, and the e2e
fixtures (the real CLI in a subprocess, the stub model server over HTTP) re-exported from tests/e2e."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.e2e.conftest import cli, stub, stub_server
from tests.engine.engine_helpers import Harness

from aixgo_cli.store.memory_journal import MemoryJournal

__all__ = ["cli", "mem", "stub", "stub_server"]


@pytest.fixture(autouse=True)
def work_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def mem(tmp_path: Path) -> Iterator[Harness]:
    with MemoryJournal() as journal:
        yield Harness(tmp_path, journal)
