"""MCP over streamable HTTP with the SDK's own client: tools listed per key, a call's result and progress,
refusals for no key (401) and a viewer key (403); then the same over TLS 1.3, where a client that offers
at most TLS 1.1 is refused and `/metrics` shows the certificate's expiry."""

from __future__ import annotations

import asyncio
import ssl
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client
from tests.serve.certs import Certs, make_certs
from tests.serve.served import Served, make_key, start_server, workflow
from tests.support.e2e import Cli, stub_service

from aixgo_cli.testing.stub_model_server import StubModelServer

pytestmark = pytest.mark.slow


async def _use_tools(url: str, key: str | None, verify: Any = True) -> dict[str, Any]:
    notes: list[tuple[float, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        notes.append((progress, message))

    headers = {"Authorization": f"Bearer {key}"} if key else {}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=60, verify=verify) as http,
        streamable_http_client(url, http_client=http) as streams,
        ClientSession(streams[0], streams[1]) as session,
    ):
        await session.initialize()
        tools = await session.list_tools()
        result = None
        if any(t.name == "two" for t in tools.tools):
            result = await session.call_tool("two", {"input": "via mcp"}, progress_callback=on_progress)
        return {"tools": {t.name: t for t in tools.tools}, "result": result, "progress": notes}


def use_tools(url: str, key: str | None, verify: Any = True) -> dict[str, Any]:
    return asyncio.run(asyncio.wait_for(_use_tools(url, key, verify), 120))


def _status_of_refusal(url: str, key: str | None) -> int:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    reply = httpx2.post(
        url, json=body, headers={**headers, "Accept": "application/json, text/event-stream"}, timeout=30
    )
    return reply.status_code


def _workflows(cli: Cli, stub: StubModelServer) -> None:
    service = stub_service(stub)
    workflow(cli, "two", service, steps=2)
    workflow(cli, "other", service, extra="inputs:\n  tone: {type: string, enum: [calm, loud], required: true}\n")


@pytest.fixture
def plain(cli: Cli, stub: StubModelServer) -> Iterator[Served]:
    _workflows(cli, stub)
    server = start_server(cli, str(cli.workdir))
    try:
        yield server
    finally:
        server.stop()


def test_mcp_lists_the_workflows_a_key_may_run_and_calls_one(plain: Served, stub: StubModelServer) -> None:
    url = plain.base_url + "/mcp"
    runner = make_key(plain.cli, "runner", "runner")
    seen = use_tools(url, runner)
    assert set(seen["tools"]) == {"two", "other"}
    schema = seen["tools"]["other"].input_schema
    assert schema["properties"]["tone"]["enum"] == ["calm", "loud"] and schema["required"] == ["tone"]
    assert "input" in schema["properties"]
    result = seen["result"]
    assert result is not None and not result.is_error
    assert result.content[0].text == "stub: Step 1: stub: Step 0: via mcp"
    assert [value for value, _ in seen["progress"]] == [1.0, 2.0]
    assert any(run["workflow_name"] == "two" and run["status"] == "completed" for run in plain.cli.runs())

    only_other = make_key(plain.cli, "only-other", "runner", workflows=["other"])
    assert set(use_tools(url, only_other)["tools"]) == {"other"}


def test_mcp_refuses_no_key_and_a_viewer_key(plain: Served) -> None:
    url = plain.base_url + "/mcp"
    assert _status_of_refusal(url, None) == 401
    assert _status_of_refusal(url, make_key(plain.cli, "viewer", "viewer")) == 403


@pytest.fixture
def certs(tmp_path: Path) -> Certs:
    return make_certs(tmp_path)


@pytest.fixture
def tls(cli: Cli, stub: StubModelServer, certs: Certs) -> Iterator[Served]:
    _workflows(cli, stub)
    context = ssl.create_default_context(cafile=str(certs.ca))
    server = start_server(
        cli, str(cli.workdir), "--tls-cert", str(certs.cert), "--tls-key", str(certs.key), context=context
    )
    try:
        yield server
    finally:
        server.stop()


def test_over_tls_1_3_mcp_works_and_a_tls_1_1_client_is_refused(tls: Served, certs: Certs) -> None:
    assert tls.base_url.startswith("https://")
    client = ssl.create_default_context(cafile=str(certs.ca))
    key = make_key(tls.cli, "runner", "runner")
    seen = use_tools(tls.base_url + "/mcp", key, verify=client)
    assert seen["result"] is not None and seen["result"].content[0].text.startswith("stub: Step 1")

    import socket

    old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    old.load_verify_locations(cafile=str(certs.ca))
    with warnings.catch_warnings():  # TLS 1.1 is deprecated: that is the point of this client
        warnings.simplefilter("ignore", DeprecationWarning)
        old.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
        old.maximum_version = ssl.TLSVersion.TLSv1_1
    port = int(tls.base_url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=30) as raw, pytest.raises(ssl.SSLError):
        old.wrap_socket(raw, server_hostname="127.0.0.1")

    tls12 = ssl.create_default_context(cafile=str(certs.ca))
    tls12.maximum_version = ssl.TLSVersion.TLSv1_2
    with socket.create_connection(("127.0.0.1", port), timeout=30) as raw, pytest.raises(ssl.SSLError):
        tls12.wrap_socket(raw, server_hostname="127.0.0.1")  # 1.3 is the default minimum

    metrics = tls.request("GET", "/metrics", key=key).body.decode()
    expiry = f"aixgo_tls_certificate_expiry_timestamp_seconds {int(certs.not_after.timestamp())}"
    assert expiry in metrics
