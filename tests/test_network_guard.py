"""The autouse network guard (tests/support/network_guard.py) refuses what leaves loopback and lets
loopback through."""

from __future__ import annotations

import socket

import pytest
from tests.support.network_guard import NetworkGuard


def test_a_connection_beyond_loopback_is_refused_and_recorded() -> None:
    with NetworkGuard() as guard, socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        with pytest.raises(ConnectionRefusedError, match="beyond loopback"):
            sock.connect(("192.0.2.1", 443))  # TEST-NET-1: never routed
        with pytest.raises(ConnectionRefusedError):
            sock.connect_ex(("198.51.100.7", 80))
    assert guard.refused == ["a connection to 192.0.2.1:443", "a connection to 198.51.100.7:80"]


def test_a_name_lookup_leaving_the_machine_is_refused_and_literals_pass() -> None:
    with NetworkGuard() as guard:
        with pytest.raises(socket.gaierror):
            socket.getaddrinfo("example.com", 443)
        assert socket.getaddrinfo("192.0.2.1", 443)  # a literal needs no lookup
        assert socket.getaddrinfo("localhost", 443)
    assert guard.refused == ["a lookup of 'example.com'"]


def test_loopback_connections_pass() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server, NetworkGuard() as guard:
        port = server.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass
    assert guard.refused == []
