"""`type: http` tools against real HTTP servers on 127.0.0.1 (reached only through explicit allowlist
entries): redirects into refused ranges, a rebinding resolver, port and size limits, secret headers kept
to their origin, and the refusal audited when a model asks for a private address."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from tests.engine.engine_helpers import Harness, tool_call

from aixgo_cli.engine.runner import RunParams
from aixgo_cli.security.audit import verify
from aixgo_cli.testing.fake_client import ScriptedClient
from aixgo_cli.tools.base import RequestRefused, Tool, ToolCallError, ToolContext
from aixgo_cli.tools.http_tool import build
from aixgo_cli.wiring import RunServices

pytestmark = pytest.mark.slow  # starts HTTP servers on 127.0.0.1


class Site:
    """A local server: /echo answers with the request's headers and query, /redirect?to=URL answers
    302, /big answers 2 MB, /slow waits until the test releases it."""

    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []
        self.release = threading.Event()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return None

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                site.seen.append({"path": parts.path, "headers": dict(self.headers)})
                if parts.path == "/redirect":
                    self.send_response(302)
                    self.send_header("Location", parse_qs(parts.query)["to"][0])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if parts.path == "/slow":
                    site.release.wait(10)
                body = (
                    b"x" * (2 * 1024 * 1024)
                    if parts.path == "/big"
                    else json.dumps(
                        {"path": parts.path, "query": parse_qs(parts.query), "host": self.headers["Host"]}
                    ).encode()
                )
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_GET

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self.server.server_address[1])
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Site:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def site() -> Iterator[Site]:
    with Site() as running:
        yield running


@pytest.fixture
def other_site() -> Iterator[Site]:
    with Site() as running:
        yield running


def tool(definition: dict[str, Any], resolve: Any = None, secrets: dict[str, str] | None = None) -> Tool:
    context = ToolContext(Path(), lambda name: (secrets or {})[name])
    if resolve is not None:
        context = ToolContext(Path(), context.resolve_secret, resolve)
    return build({"name": "fetch", "type": "http", **definition}, context)


def call(t: Tool, **args: Any) -> str:
    return str(t.run(args, "key"))


def test_a_loopback_server_is_refused_unless_allowlisted(site: Site) -> None:
    url = f"http://127.0.0.1:{site.port}/echo?q={{{{ args.q }}}}"
    with pytest.raises(RequestRefused, match="loopback"):
        call(tool({"url": url}), q="x")
    assert site.seen == []
    answer = call(tool({"url": url, "allow_hosts": ["127.0.0.1"]}), q="a b&c")
    assert answer.startswith("HTTP 200\n")
    assert json.loads(answer.split("\n", 1)[1])["query"] == {"q": ["a b&c"]}  # the argument was encoded


def test_a_redirect_into_a_refused_range_is_refused(site: Site) -> None:
    start = f"http://127.0.0.1:{site.port}/redirect?to=http://169.254.169.254/latest/meta-data/"
    with pytest.raises(RequestRefused, match="cloud metadata"):
        call(tool({"url": start, "allow_hosts": ["127.0.0.1"]}))
    to_private = f"http://127.0.0.1:{site.port}/redirect?to=http://10.0.0.1:{site.port}/"
    with pytest.raises(RequestRefused, match="private"):
        call(tool({"url": to_private, "allow_hosts": ["127.0.0.1"]}))
    assert [s["path"] for s in site.seen] == ["/redirect", "/redirect"]


def test_a_redirect_by_name_is_resolved_and_checked_again(site: Site) -> None:
    answers = {"public.test": ["127.0.0.1"], "internal.test": ["10.9.8.7"]}
    start = f"http://public.test:{site.port}/redirect?to=http://internal.test:{site.port}/"
    with pytest.raises(RequestRefused, match=r"internal\.test \(10\.9\.8\.7\) is a private address"):
        call(tool({"url": start, "allow_hosts": ["public.test"]}, lambda host, port: answers[host]))


def test_a_rebinding_resolver_cannot_move_the_connection(site: Site) -> None:
    """The first answer is checked and used; a second lookup (which would say 169.254.169.254) never
    happens, and the server still sees the original Host header."""
    answers = [["127.0.0.1"], ["169.254.169.254"]]
    asked: list[str] = []

    def rebinding(host: str, port: int) -> list[str]:
        asked.append(host)
        return answers[min(len(asked) - 1, 1)]

    t = tool({"url": f"http://rebind.test:{site.port}/echo", "allow_hosts": ["127.0.0.1/32"]}, rebinding)
    answer = json.loads(call(t).split("\n", 1)[1])
    assert asked == ["rebind.test"]
    assert answer["host"] == f"rebind.test:{site.port}"


def test_a_port_outside_the_allowlist_is_refused_on_redirect(site: Site, other_site: Site) -> None:
    start = f"http://127.0.0.1:{site.port}/redirect?to=http://127.0.0.1:{other_site.port}/echo"
    with pytest.raises(RequestRefused, match=f"port {other_site.port} is not allowed"):
        call(tool({"url": start, "allow_hosts": ["127.0.0.1"]}))
    assert other_site.seen == []


def test_secret_headers_go_only_to_the_urls_own_origin(site: Site, other_site: Site) -> None:
    start = f"http://127.0.0.1:{site.port}/redirect?to=http://127.0.0.1:{other_site.port}/echo"
    definition = {
        "url": start,
        "allow_hosts": ["127.0.0.1"],
        "allow_ports": [site.port, other_site.port],
        "headers": {"X-Api-Key": {"secret": "SITE_KEY"}, "Accept": "application/json"},
    }
    assert call(tool(definition, secrets={"SITE_KEY": "sk-site-secret-123"})).startswith("HTTP 200")
    assert site.seen[0]["headers"]["X-Api-Key"] == "sk-site-secret-123"
    assert "X-Api-Key" not in other_site.seen[0]["headers"]
    assert other_site.seen[0]["headers"]["Accept"] == "application/json"


def test_response_size_and_time_are_bounded(site: Site) -> None:
    big = tool({"url": f"http://127.0.0.1:{site.port}/big", "allow_hosts": ["127.0.0.1"], "max_response_bytes": 1000})
    with pytest.raises(ToolCallError, match="larger than 1000 bytes"):
        call(big)
    slow = tool({"url": f"http://127.0.0.1:{site.port}/slow", "allow_hosts": ["127.0.0.1"], "timeout": "300ms"})
    with pytest.raises(ToolCallError, match=r"longer than 0\.3s|too long"):
        call(slow)


def test_only_http_and_https_are_spoken() -> None:
    with pytest.raises(RequestRefused, match="not an http"):
        call(tool({"url": "file:///etc/passwd"}))


def test_a_model_asking_for_the_metadata_address_is_refused_told_and_audited(mem: Harness) -> None:
    mem.write(
        """\
        version: 1
        name: fetcher
        audit: {path: audit.jsonl}
        tools:
          - name: fetch
            type: http
            url: "http://{{ args.host }}/latest/meta-data/"
        agents:
          - name: helper
            role: react
            model: fake/helper
            tools: [fetch]
        """
    )
    client = ScriptedClient([tool_call("fetch", {"host": "169.254.169.254"}), "done"])
    services = RunServices(mem.load())
    outcome = mem.runner(client, tool_sources=services.tool_sources, audit=services.audit_for).start(
        mem.load(), RunParams(input="go")
    )
    assert outcome.status == "completed", outcome.error
    told = [m.content for m in client.requests[-1].messages if m.role == "tool"]
    assert told == [
        "error: refused: 169.254.169.254 is a cloud metadata address; "
        "add it to the tool's allow_hosts if this is intended"
    ]
    audit = mem.root / "audit.jsonl"
    kinds = [json.loads(line)["kind"] for line in audit.read_text().splitlines()]
    assert kinds == ["run_opened", "ssrf_refused", "tool_call"]
    assert verify(audit).ok
