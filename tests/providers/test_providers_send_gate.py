"""The send check: a model request leaves only while the check the engine gave passes, asked at the moment
the HTTP request is sent (after LiteLLM built it), and its refusal reaches the caller as the check's own
error, neither retried nor wrapped, with nothing sent."""

from __future__ import annotations

import asyncio
import threading

import pytest
from tests.providers.providers_helpers import ask

from aixgo_cli.errors import RunInterrupted
from aixgo_cli.providers import send_gate
from aixgo_cli.providers.event_loop import process_loop
from aixgo_cli.providers.litellm_client import LiteLLMClient
from aixgo_cli.providers.model_ref import ModelResolver
from aixgo_cli.providers.retry import RetryingClient
from aixgo_cli.providers.stack import build_client
from aixgo_cli.testing.stub_model_server import StubModelServer


class Replaced(RunInterrupted):
    """Stands for the journal's `LeaseLost`."""


def service(stub: StubModelServer) -> list[dict[str, object]]:
    return [{"name": "m", "provider": "openai", "model": "m", "api_base": stub.base_url, "api_key_secret": "K"}]


class Switch:
    """A check that passes until it is turned off (or until it has been asked `passes` times), counting
    how often it was asked and how often it refused."""

    def __init__(self, passes: int | None = None) -> None:
        self.asked = 0
        self.refused = 0
        self.on = True
        self.passes = passes
        self.threads: set[str] = set()

    def __call__(self) -> None:
        self.asked += 1
        self.threads.add(threading.current_thread().name)
        if not self.on or (self.passes is not None and self.asked > self.passes):
            self.refused += 1
            raise Replaced("taken over")


@pytest.mark.parametrize("workers", [1, 2])
def test_a_failing_check_stops_the_request_before_it_is_sent(stub: StubModelServer, workers: int) -> None:
    resolver = ModelResolver(service(stub))
    adapter = LiteLLMClient(lambda name: "sk-gate", resolver, workers=workers)
    client = RetryingClient(adapter, resolver=resolver)
    switch = Switch()
    try:
        with send_gate.confirmed_by(switch):
            assert client.complete(ask("first", model="m")).content
            switch.on = False
            with pytest.raises(Replaced, match="taken over"):
                client.complete(ask("second", model="m"))
    finally:
        adapter.close()
    assert [r["last_user"] for r in stub.stats()["requests"]] == ["first"]
    # Refused once: not retried by LiteLLM, the SDK or our retry layer.
    assert switch.refused == 1


def test_a_driver_replaced_while_the_request_was_prepared_does_not_send_it(stub: StubModelServer) -> None:
    """The check passes when httpx is handed the request and fails a moment later, when aiohttp is about
    to write it (a stop landing in between): nothing is sent."""
    client = build_client(lambda name: "sk-gate", service(stub))
    switch = Switch(passes=1)
    with send_gate.confirmed_by(switch), pytest.raises(Replaced):
        client.complete(ask("late", model="m"))
    assert stub.stats()["total"] == 0
    assert switch.asked == 2 and switch.refused == 1


def test_the_check_runs_when_the_request_is_sent_on_the_loop(stub: StubModelServer) -> None:
    client = build_client(lambda name: "sk-gate", service(stub))
    switch = Switch()
    with send_gate.confirmed_by(switch):
        client.complete(ask("q", model="m"))
        client.complete(ask("streamed", model="m"), on_token=lambda token: None)
    assert switch.asked >= 2 and switch.refused == 0
    assert switch.threads == {"aixgo-model-loop"}  # inside the send, not before the hand-over


def test_requests_outside_a_gated_call_are_left_alone(stub: StubModelServer) -> None:
    """The wrapped `httpx.AsyncClient.send` is process-wide; only the gated call's own task sees a check,
    even while another thread is inside a gate that refuses."""
    import httpx

    client = build_client(lambda name: "sk-gate", service(stub))
    client.complete(ask("warm", model="m"))  # installs the wrapper
    refusing = Switch()
    refusing.on = False
    inside, release = threading.Event(), threading.Event()

    def hold_gate() -> None:
        with send_gate.confirmed_by(refusing):
            inside.set()
            release.wait(10)

    holder = threading.Thread(target=hold_gate)
    holder.start()
    try:
        assert inside.wait(10)

        async def plain_get() -> int:
            async with httpx.AsyncClient() as http:
                return (await http.get(f"{stub.base_url}/models")).status_code

        assert asyncio.run_coroutine_threadsafe(plain_get(), process_loop().loop()).result(10) < 500
        assert client.complete(ask("ungated", model="m")).content
    finally:
        release.set()
        holder.join(10)
    assert refusing.asked == 0
