"""Fixtures for the tool tests: the test MCP server over streamable HTTP (one per session, on 127.0.0.1,
stopped at the end), and the engine harness wired like `aixgo run` (tool sources and audit log from
wiring.RunServices)."""

from __future__ import annotations

import os
import selectors
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.support.isolation import clean_imports, work_in_tmp

__all__ = ["clean_imports", "work_in_tmp"]

SERVER = Path(__file__).resolve().parents[1] / "support" / "mcp_server.py"
TOKEN = "mcp-test-token-0000"


@dataclass
class HttpMcp:
    url: str
    token: str


@pytest.fixture(scope="session")
def http_mcp() -> Iterator[HttpMcp]:
    process = subprocess.Popen(
        [sys.executable, str(SERVER), "http", "--token", TOKEN],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "MCP_TEST_CALLS": ""},
    )
    try:
        assert process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            assert selector.select(timeout=60), "the test MCP server did not start within 60 s"
        line = process.stdout.readline()
        assert line.startswith("ready "), line
        yield HttpMcp(f"http://127.0.0.1:{int(line.split()[1])}/mcp", TOKEN)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def descendants(pid: int) -> set[int]:
    """Every live process below `pid`, from /proc (Linux)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    found: set[int] = set()
    pending = [pid]
    while pending:
        for child in children.get(pending.pop(), []):
            if child not in found:
                found.add(child)
                pending.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def command_line(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""
