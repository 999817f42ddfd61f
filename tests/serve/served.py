"""A real `aixgo serve` in a subprocess on 127.0.0.1, with its own AIXGO_HOME, keys made in-process,
and plain HTTP helpers (urllib) that return status, headers and body."""

from __future__ import annotations

import json
import queue
import re
import signal
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.e2e import Cli

from aixgo_cli.serve.keys import KEYS_FILE, KeyStore, Role

READY = re.compile(r"serving \d+ workflow\(s\) at (https?)://127\.0\.0\.1:(\d+)")


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Served:
    process: subprocess.Popen[str]
    base_url: str
    cli: Cli
    context: ssl.SSLContext | None = None
    stderr_lines: list[str] = field(default_factory=list)
    seen: list[bytes] = field(default_factory=list)  # every body this helper received
    drain: threading.Thread | None = None  # reads stderr into stderr_lines until the server exits

    def request(
        self,
        method: str,
        path: str,
        *,
        key: str | None = None,
        body: Any = None,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 60,
    ) -> Reply:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        if key is not None:
            request.add_header("Authorization", f"Bearer {key}")
        opener = urllib.request.build_opener(_NoRedirect, urllib.request.HTTPSHandler(context=self.context))
        try:
            with opener.open(request, timeout=timeout) as response:
                reply = Reply(response.status, dict(response.headers), response.read())
        except urllib.error.HTTPError as error:
            reply = Reply(error.code, dict(error.headers), error.read())
        self.seen.append(reply.body)
        return reply

    def stop(self) -> str:
        """Stop the server (SIGTERM, then SIGKILL if it lingers) and return its stderr."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)
        if self.drain is not None:
            self.drain.join(timeout=15)
        return "".join(self.stderr_lines)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=15)


def _drain(stream: Any, lines: list[str], arrived: queue.Queue[str | None]) -> None:
    for line in stream:
        lines.append(line)
        arrived.put(line)
    arrived.put(None)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def make_key(
    cli: Cli, name: str, role: Role, *, workflows: list[str] | None = None, expires_in_s: float | None = None
) -> str:
    return KeyStore(cli.home / KEYS_FILE).create(name, role, workflows=workflows, expires_in_s=expires_in_s)


def start_server(cli: Cli, *args: str, context: ssl.SSLContext | None = None, timeout: float = 120) -> Served:
    """`aixgo serve ARGS --port 0`, returned once it says where it listens (or failing with its stderr)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "aixgo_cli", "serve", *args, "--host", "127.0.0.1", "--port", "0"],
        cwd=cli.workdir,
        env=cli.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    arrived: queue.Queue[str | None] = queue.Queue()
    assert process.stderr is not None
    drain = threading.Thread(target=_drain, args=(process.stderr, lines, arrived), daemon=True)
    drain.start()  # reads every line, before and after start-up: a full pipe must never block the server
    deadline = time.monotonic() + timeout
    while (remaining := deadline - time.monotonic()) > 0:
        try:
            line = arrived.get(timeout=remaining)
        except queue.Empty:
            break
        if line is None:
            break
        found = READY.search(line)
        if found:
            return Served(process, f"{found.group(1)}://127.0.0.1:{found.group(2)}", cli, context, lines, drain=drain)
    process.kill()
    process.wait(timeout=15)
    drain.join(timeout=15)
    raise AssertionError("the server did not start:\n" + "".join(lines))


def workflow(cli: Cli, name: str, service: str, *, steps: int = 1, extra: str = "") -> Path:
    """A workflow of `steps` react agents in a row against the stub."""
    agents = []
    for index in range(steps):
        upstream = f"\n    inputs: [step{index - 1}]" if index else ""
        prompt = f'"Step {index}: {{{{ input }}}}"'
        agents.append(f"  - name: step{index}\n    role: react\n    model: stub{upstream}\n    prompt: {prompt}")
    text = (
        f"version: 1\nname: {name}\ndescription: {name} through the stub.\n{service}{extra}agents:\n"
        + "\n".join(agents)
        + "\n"
    )
    path = cli.workdir / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path
