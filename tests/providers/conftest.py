"""Fixtures for the provider layer: one stub model server per test session, reset before each test.

`stub_server` is a plain fixture function that depends on nothing else here, so it can move to
`tests/conftest.py` unchanged when other test packages need the stub.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import pytest

from aixgo_cli.testing.stub_model_server import StubModelServer

_connections: list[tuple[str, int]] = []


def _record_connect(event: str, args: tuple[Any, ...]) -> None:
    if event == "socket.connect" and len(args) > 1 and isinstance(args[1], tuple) and len(args[1]) >= 2:
        _connections.append((str(args[1][0]), int(args[1][1])))


@pytest.fixture(scope="session")
def outbound_connections() -> list[tuple[str, int]]:
    """Every TCP connect made in this process from first use on (an audit hook cannot be removed)."""
    sys.addaudithook(_record_connect)
    return _connections


@pytest.fixture(scope="session")
def stub_server() -> Iterator[StubModelServer]:
    with StubModelServer() as server:
        yield server


@pytest.fixture
def stub(stub_server: StubModelServer) -> StubModelServer:
    stub_server.reset()
    return stub_server
