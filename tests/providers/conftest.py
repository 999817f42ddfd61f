"""Fixtures for the provider layer. The stub model server (`stub`) comes from tests/conftest.py; this adds
`outbound_connections`, which records every TCP connect, to prove tests only talk to 127.0.0.1."""

from __future__ import annotations

import sys
from typing import Any

import pytest

_connections: list[tuple[str, int]] = []


def _record_connect(event: str, args: tuple[Any, ...]) -> None:
    if event == "socket.connect" and len(args) > 1 and isinstance(args[1], tuple) and len(args[1]) >= 2:
        _connections.append((str(args[1][0]), int(args[1][1])))


@pytest.fixture(scope="session")
def outbound_connections() -> list[tuple[str, int]]:
    """Every TCP connect made in this process from first use on (an audit hook cannot be removed)."""
    sys.addaudithook(_record_connect)
    return _connections
