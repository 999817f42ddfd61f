"""Fixtures shared by every test package.

* `stub_server` / `stub`: one OpenAI-compatible stub model server on 127.0.0.1 for the whole session,
  reset before each test that asks for it (real HTTP, so LiteLLM's request building is exercised).
* `cli`: the real `aixgo` CLI in subprocesses, with its own AIXGO_HOME, a headless keyring and no real
  provider keys (tests/support/e2e.py).
* `engine` / `mem` / `sql`: the in-process Runner harness over a journal (both journals, in memory, or a
  real SQLite file); every event a test saw must serialise as versioned JSON.
* `network_guard` (autouse): no test reaches beyond 127.0.0.0/8 (tests/support/network_guard.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.engine.engine_helpers import Harness
from tests.support.e2e import Cli, make_cli
from tests.support.network_guard import NetworkGuard

from aixgo_cli.events import EVENTS_FORMAT_VERSION, event_to_json
from aixgo_cli.store.memory_journal import MemoryJournal
from aixgo_cli.store.sqlite_journal import SqliteJournal
from aixgo_cli.testing.stub_model_server import StubModelServer


@pytest.fixture(autouse=True)
def network_guard() -> Iterator[NetworkGuard]:
    with NetworkGuard() as guard:
        yield guard
    if guard.refused:
        pytest.fail("the test tried to reach beyond loopback: " + "; ".join(guard.refused), pytrace=False)


@pytest.fixture(scope="session")
def stub_server() -> Iterator[StubModelServer]:
    with StubModelServer() as server:
        yield server


@pytest.fixture
def stub(stub_server: StubModelServer) -> StubModelServer:
    stub_server.reset()
    return stub_server


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return make_cli(tmp_path)


def checked(harness: Harness) -> Iterator[Harness]:
    """Yield the harness; afterwards, every event the test saw must serialise as versioned JSON."""
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
