"""A guard that refuses, inside the test process, every connection and name lookup beyond loopback.

Tests talk only to servers they start on 127.0.0.1. The guard wraps `socket.socket.connect`,
`connect_ex` and `socket.getaddrinfo`: a connection to an address outside 127.0.0.0/8 (or ::1), or a
lookup of a name other than localhost (a DNS query leaves the machine), raises an OSError at the call,
as a machine without a network would, and is recorded so the test fails even if the code under test
swallowed the error. Unix sockets and lookups of IP literals (no traffic) pass.

Its reach is this process: subprocesses (the CLI under test, the stub server run standalone, MCP servers)
are outside it. They are kept to loopback by what the tests give them (a stub `api_base`, no real keys).
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from types import TracebackType
from typing import Any

_LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")


def _is_loopback(host: object) -> bool:
    if host is None or host == "":
        return True  # a passive or local-default lookup
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    text = str(host).strip("[]").lower()
    if text in _LOCAL_NAMES or text.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(text.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def _is_literal(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    try:
        ipaddress.ip_address(str(host).strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    return True


class NetworkGuard:
    def __init__(self) -> None:
        self.refused: list[str] = []
        self._lock = threading.Lock()
        self._saved: tuple[Any, Any, Any] | None = None

    def _refuse(self, what: str) -> OSError:
        with self._lock:
            self.refused.append(what)
        return ConnectionRefusedError(f"network guard: {what} is beyond loopback (tests stay on 127.0.0.1)")

    def __enter__(self) -> NetworkGuard:
        connect, connect_ex, getaddrinfo = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo
        self._saved = (connect, connect_ex, getaddrinfo)
        guard = self

        def checked(sock: socket.socket, address: Any) -> None:
            if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
                raise guard._refuse(f"a connection to {address[0]}:{address[1]}")

        def guarded_connect(sock: socket.socket, address: Any) -> None:
            checked(sock, address)
            connect(sock, address)

        def guarded_connect_ex(sock: socket.socket, address: Any) -> int:
            checked(sock, address)
            return connect_ex(sock, address)

        def guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
            if not _is_loopback(host) and not _is_literal(host):
                guard._refuse(f"a lookup of {host!r}")
                raise socket.gaierror(socket.EAI_NONAME, f"network guard: no lookup of {host!r} in tests")
            return getaddrinfo(host, *args, **kwargs)

        socket.socket.connect = guarded_connect  # type: ignore[method-assign,assignment]
        socket.socket.connect_ex = guarded_connect_ex  # type: ignore[method-assign,assignment]
        socket.getaddrinfo = guarded_getaddrinfo
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._saved is not None
        socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo = self._saved  # type: ignore[method-assign]
