"""Model calls on one event loop per process: pooled connections, tokens relayed to the caller's thread,
and calls cancelled (not left running) when the run stops or its time limit passes."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from tests.providers.providers_helpers import SecretBook, ask

from aixgo_cli.errors import RunInterrupted, RunPaused
from aixgo_cli.providers import deadline
from aixgo_cli.providers.event_loop import TokenSink, process_loop
from aixgo_cli.providers.litellm_client import LiteLLMClient, load_litellm
from aixgo_cli.providers.model_ref import ModelResolver
from aixgo_cli.providers.stack import build_client
from aixgo_cli.testing.stub_model_server import StubModelServer


def service(stub: StubModelServer) -> list[dict[str, object]]:
    return [{"name": "m", "provider": "openai", "model": "m", "api_base": stub.base_url, "api_key_secret": "K"}]


def adapter(stub: StubModelServer) -> LiteLLMClient:
    return LiteLLMClient(SecretBook({"K": "sk-loop"}), ModelResolver(service(stub)))


def other_tasks(loop: asyncio.AbstractEventLoop) -> set[asyncio.Task[Any]]:
    """The tasks on `loop` besides the one asking (run on the loop itself, so the set is exact)."""

    async def probe() -> set[asyncio.Task[Any]]:
        return {t for t in asyncio.all_tasks() if t is not asyncio.current_task()}

    return asyncio.run_coroutine_threadsafe(probe(), loop).result()


def settled(loop: asyncio.AbstractEventLoop) -> set[asyncio.Task[Any]]:
    """Tasks still on the loop once a cancelled one has had its turns to unwind (bounded: 100 rounds)."""
    left = other_tasks(loop)
    for _ in range(100):
        if not left:
            break
        left = other_tasks(loop)
    return left


def test_calls_from_many_threads_reuse_pooled_connections(stub: StubModelServer) -> None:
    stub.set_latency(0.05)
    client = build_client(lambda name: "sk-loop", service(stub))
    # Under a run's time limit, as most runs are: a timeout that changes with each call must not make
    # LiteLLM build a new client (and a new connection) per call.
    limit = deadline.Deadline(time.monotonic() + 600, lambda: RunPaused("time limit reached"))

    def call(n: int) -> str | None:
        with deadline.bounded(limit):
            return client.complete(ask(f"q{n}", model="m")).content

    with ThreadPoolExecutor(max_workers=20) as pool:
        replies = list(pool.map(call, range(200)))
    assert replies == [f"stub: q{n}" for n in range(200)]
    assert stub.stats()["total"] == 200
    # Threads each calling litellm.completion opened a connection for nearly every call (978 for 1,001).
    assert stub.stats()["connections"] <= 20 + 3


def test_the_request_goes_through_acompletion_not_the_sync_path(
    stub: StubModelServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    litellm = load_litellm()

    def refuse(**kwargs: Any) -> None:
        raise AssertionError("the synchronous litellm.completion was called")

    monkeypatch.setattr(litellm, "completion", refuse)
    assert adapter(stub).complete(ask("hi", model="m")).content == "stub: hi"
    tokens: list[str] = []
    stub.script([{"content": "one two"}])
    assert adapter(stub).complete(ask("s", model="m"), on_token=tokens.append).content == "one two"
    assert tokens == ["one ", "two"]


def test_tokens_reach_on_token_in_the_calling_thread(stub: StubModelServer) -> None:
    stub.script([{"content": "alpha beta gamma"}])
    threads: set[int] = set()
    tokens: list[str] = []

    def on_token(text: str) -> None:
        threads.add(threading.get_ident())
        tokens.append(text)

    response = adapter(stub).complete(ask("q", model="m"), on_token=on_token)
    assert response.content == "alpha beta gamma"
    assert tokens == ["alpha ", "beta ", "gamma"]
    assert threads == {threading.get_ident()}


def test_an_error_in_on_token_propagates_as_is_and_cancels_the_call(stub: StubModelServer) -> None:
    stub.script([{"content": "alpha beta gamma"}])

    class Refused(Exception):
        pass

    def on_token(text: str) -> None:
        raise Refused(text)

    with pytest.raises(Refused, match="alpha"):
        adapter(stub).complete(ask("q", model="m"), on_token=on_token)
    assert settled(process_loop().loop()) == set()


def test_a_cancelled_run_cancels_the_call_in_flight() -> None:
    cancelled = threading.Event()
    began, unwound = threading.Event(), threading.Event()

    async def slow(sink: TokenSink | None) -> str:
        began.set()
        try:
            await asyncio.Event().wait()  # never set: only cancellation ends it
        except asyncio.CancelledError:
            unwound.set()
            raise
        return "never"

    def stop_when_begun() -> None:
        assert began.wait(30)
        cancelled.set()

    helper = threading.Thread(target=stop_when_begun)
    helper.start()
    with deadline.bounded(None, cancelled), pytest.raises(RunInterrupted):
        process_loop().call(slow)
    helper.join()
    assert unwound.wait(30)
    assert settled(process_loop().loop()) == set()


def test_the_time_limit_cancels_the_call_in_flight() -> None:
    unwound = threading.Event()

    async def slow(sink: TokenSink | None) -> str:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            unwound.set()
            raise
        return "never"

    limit = deadline.Deadline(time.monotonic() + 0.2, lambda: RunPaused("time limit reached"))
    with deadline.bounded(limit), pytest.raises(RunPaused, match="time limit"):
        process_loop().call(slow)
    assert unwound.wait(30)


def test_a_slow_provider_past_the_time_limit_pauses_and_leaves_no_request_running(stub: StubModelServer) -> None:
    stub.script([{"content": "late", "delay": 30}])
    client = build_client(lambda name: "sk-loop", service(stub))
    limit = deadline.Deadline(time.monotonic() + 0.5, lambda: RunPaused("time limit reached"))
    with deadline.bounded(limit), pytest.raises(RunPaused, match="time limit"):
        client.complete(ask("q", model="m"))
    assert settled(process_loop().loop()) == set()


@pytest.mark.slow  # forks
def test_after_fork_the_child_gets_a_loop_of_its_own() -> None:
    import os

    parent_loop = process_loop().loop()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report whether its loop is new and works, then leave at once
        try:

            async def answer(sink: TokenSink | None) -> int:
                return 42

            fresh = process_loop().loop() is not parent_loop
            ok = process_loop().call(answer) == 42
            os.write(write, b"yes" if fresh and ok else b"no")
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        said = pipe.read()
    os.waitpid(pid, 0)
    assert said == b"yes"
