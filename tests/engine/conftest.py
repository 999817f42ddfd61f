"""Fixtures for engine tests: a harness over a journal (in memory, a real SQLite file, or both).

`engine` is parametrised over both journals for tests where storage matters (memo, resume, failures);
`mem` is the in-memory journal alone for tests about pattern or agent semantics, which keeps the suite
fast. Tool modules written by tests are imported from the test's directory; `clean_imports` takes them
out of `sys.path` and `sys.modules` again so no test sees another's tools. Every event a test saw is
checked to serialise as versioned JSON when the test ends.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.engine.engine_helpers import Harness

from aixgo_cli.events import EVENTS_FORMAT_VERSION, event_to_json
from aixgo_cli.store.memory_journal import MemoryJournal
from aixgo_cli.store.sqlite_journal import SqliteJournal


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
    """Relative logger paths land in the test's directory, never in the repository."""
    monkeypatch.chdir(tmp_path)


def checked(harness: Harness) -> Iterator[Harness]:
    """Yield the harness; afterwards, every event any test saw must serialise as versioned JSON."""
    yield harness
    for event in harness.events:
        data = json.loads(event_to_json(event))
        assert (data["v"], data["kind"]) == (EVENTS_FORMAT_VERSION, event.kind)


@pytest.fixture(params=["memory", "sqlite"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    if request.param == "sqlite":
        with SqliteJournal(tmp_path / "journal.db") as journal:
            yield from checked(Harness(tmp_path, journal))
    else:
        with MemoryJournal() as memory:
            yield from checked(Harness(tmp_path, memory))


@pytest.fixture
def mem(tmp_path: Path) -> Iterator[Harness]:
    with MemoryJournal() as journal:
        yield from checked(Harness(tmp_path, journal))


@pytest.fixture
def sql(tmp_path: Path) -> Iterator[Harness]:
    with SqliteJournal(tmp_path / "journal.db") as journal:
        yield from checked(Harness(tmp_path, journal))
