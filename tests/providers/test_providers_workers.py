"""Model calls in forked worker processes (`--workers N`): same answers, errors and tokens as in-process,
the HTTP requests made by the workers, cancellation carried over, and no worker outliving its parent."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from tests.providers.providers_helpers import PLANTED_SECRET, SecretBook, ask

from aixgo_cli.errors import ConfigurationError, RunInterrupted
from aixgo_cli.providers import deadline
from aixgo_cli.providers.errors import ProviderError
from aixgo_cli.providers.litellm_client import LiteLLMClient, warm_up
from aixgo_cli.providers.model_ref import ModelResolver
from aixgo_cli.providers.workers import decode_error, encode_error, start_workers
from aixgo_cli.testing.stub_model_server import StubModelServer

pytestmark = pytest.mark.slow  # each test forks worker processes

REPO = Path(__file__).resolve().parents[2]


def service(stub: StubModelServer) -> list[dict[str, object]]:
    return [{"name": "m", "provider": "openai", "model": "m", "api_base": stub.base_url, "api_key_secret": "K"}]


@pytest.fixture
def pooled(stub: StubModelServer) -> Iterator[LiteLLMClient]:
    client = LiteLLMClient(SecretBook({"K": PLANTED_SECRET}), ModelResolver(service(stub)), workers=2)
    yield client
    client.close()


def exited_within(pid: int, seconds: float) -> bool:
    """Whether process `pid` (not our child: we cannot wait for it) ends within `seconds`: a pidfd
    becomes readable when the process exits."""
    try:
        handle = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        readable, _, _ = select.select([handle], [], [], seconds)
        return bool(readable)
    finally:
        os.close(handle)


def wait_for(condition: Callable[[], bool], what: str) -> None:
    """Block until `condition` holds; each look waits on an Event that is never set (bounded: 60 s)."""
    idle = threading.Event()
    for _ in range(6000):
        if condition():
            return
        idle.wait(0.01)
    raise AssertionError(f"never happened: {what}")


def test_calls_are_made_by_the_workers_with_the_same_answers(
    stub: StubModelServer, pooled: LiteLLMClient, outbound_connections: list[tuple[str, int]]
) -> None:
    before = [c for c in outbound_connections if c[1] == stub.port]
    with ThreadPoolExecutor(max_workers=8) as pool:
        replies = list(pool.map(lambda n: pooled.complete(ask(f"q{n}", model="m")).content, range(40)))
    assert replies == [f"stub: q{n}" for n in range(40)]
    assert stub.stats()["total"] == 40
    # This process opened no connection to the provider: the requests went out from the workers.
    assert [c for c in outbound_connections if c[1] == stub.port] == before


def test_streamed_tokens_come_back_in_order_to_the_calling_thread(stub: StubModelServer, pooled: LiteLLMClient) -> None:
    stub.script([{"content": "alpha beta gamma", "usage": {"prompt_tokens": 7, "completion_tokens": 3}}])
    threads: set[int] = set()
    tokens: list[str] = []

    def on_token(text: str) -> None:
        threads.add(threading.get_ident())
        tokens.append(text)

    response = pooled.complete(ask("q", model="m"), on_token=on_token)
    assert tokens == ["alpha ", "beta ", "gamma"]
    assert response.content == "alpha beta gamma"
    assert (response.usage.prompt_tokens, response.usage.completion_tokens) == (7, 3)
    assert threads == {threading.get_ident()}


def test_errors_cross_over_as_the_same_errors_without_the_key(stub: StubModelServer, pooled: LiteLLMClient) -> None:
    stub.script([{"status": 401, "message": f"bad key {PLANTED_SECRET}"}])
    with pytest.raises(ConfigurationError) as rejected:
        pooled.complete(ask("q", model="m"))
    assert "secret K" in rejected.value.message
    assert PLANTED_SECRET not in rejected.value.message + (rejected.value.hint or "")
    stub.script([{"status": 429, "retry_after": "7"}])
    with pytest.raises(ProviderError) as limited:
        pooled.complete(ask("q", model="m"))
    assert (limited.value.kind, limited.value.retryable, limited.value.retry_after_s) == ("rate_limit", True, 7.0)


def test_errors_survive_the_pipe_encoding() -> None:
    original = ProviderError(
        "m: HTTP 503: down", kind="server", retryable=True, model="m", status_code=503, retry_after_s=2.0, hint="h"
    )
    back = decode_error(encode_error(original))
    assert isinstance(back, ProviderError)
    assert (back.message, back.kind, back.retryable, back.model, back.status_code, back.retry_after_s, back.hint) == (
        "m: HTTP 503: down",
        "server",
        True,
        "m",
        503,
        2.0,
        "h",
    )
    bug = decode_error(encode_error(KeyError(PLANTED_SECRET)))
    assert isinstance(bug, ProviderError)
    assert "KeyError" in bug.message
    assert PLANTED_SECRET not in bug.message  # a bug's text is not carried over: it could hold anything


def test_a_cancelled_run_cancels_the_call_in_the_worker(stub: StubModelServer, pooled: LiteLLMClient) -> None:
    stub.script([{"content": "late", "delay": 30}])
    cancelled = threading.Event()

    def cancel_once_sent() -> None:
        wait_for(lambda: stub.stats()["total"] == 1, "the slow request reached the stub")
        cancelled.set()

    helper = threading.Thread(target=cancel_once_sent)
    helper.start()
    with deadline.bounded(None, cancelled), pytest.raises(RunInterrupted):
        pooled.complete(ask("slow", model="m"))
    helper.join()
    # The pool goes on serving: the cancelled call did not take a worker with it.
    assert pooled.complete(ask("next", model="m")).content == "stub: next"


def test_a_worker_that_dies_fails_its_calls_as_retryable(stub: StubModelServer) -> None:
    client = LiteLLMClient(SecretBook({"K": "sk-w"}), ModelResolver(service(stub)))
    pool = start_workers(client.perform, 1, warm_up)
    single = LiteLLMClient(SecretBook({"K": "sk-w"}), ModelResolver(service(stub)), calls=pool)
    stub.script([{"content": "late", "delay": 30}])
    outcome: list[BaseException] = []

    def call() -> None:
        try:
            single.complete(ask("q", model="m"))
        except BaseException as exc:
            outcome.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    wait_for(lambda: stub.stats()["total"] == 1, "the request reached the stub")
    os.kill(pool.pids[0], signal.SIGKILL)
    caller.join(60)
    assert len(outcome) == 1
    failure = outcome[0]
    assert isinstance(failure, ProviderError)
    assert (failure.kind, failure.retryable) == ("connection", True)
    with pytest.raises(ProviderError, match="every model-call worker process has exited"):
        single.complete(ask("again", model="m"))
    single.close()


def test_closing_the_pool_reaps_every_worker(stub: StubModelServer) -> None:
    client = LiteLLMClient(SecretBook({"K": "sk-w"}), ModelResolver(service(stub)), workers=3)
    pids = list(client._calls.pids)  # type: ignore[attr-defined]
    assert len(set(pids)) == 3
    assert os.getpid() not in pids
    client.close()
    for pid in pids:
        assert not Path(f"/proc/{pid}").exists()


PARENT = """
import sys, threading
from aixgo_cli.providers.litellm_client import LiteLLMClient
from aixgo_cli.providers.model_ref import ModelResolver
from aixgo_cli.providers.types import ChatMessage, ChatRequest

base = sys.argv[1]
services = [{"name": "m", "provider": "openai", "model": "m", "api_base": base, "api_key_secret": "K"}]
client = LiteLLMClient(lambda name: "sk-parent", ModelResolver(services), workers=2)
print(" ".join(map(str, client._calls.pids)), flush=True)
ask = lambda n: ChatRequest(model="m", messages=(ChatMessage("user", f"held {n}"),))
calls = [threading.Thread(target=client.complete, args=(ask(n),)) for n in range(4)]
for call in calls:
    call.start()
for call in calls:
    call.join()
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pidfd and PR_SET_PDEATHSIG are Linux's")
def test_sigkill_of_the_parent_leaves_no_worker_behind(stub: StubModelServer, tmp_path: Path) -> None:
    stub.set_latency(60)  # every call is held in flight until the parent is gone
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, stub.base_url], stdout=subprocess.PIPE, text=True, env=env, cwd=tmp_path
    )
    try:
        assert parent.stdout is not None
        pids = [int(p) for p in parent.stdout.readline().split()]
        assert len(pids) == 2
        wait_for(lambda: stub.stats()["total"] == 4, "four calls in flight in the workers")
        parent.kill()
        parent.wait(30)
        for pid in pids:
            assert exited_within(pid, 30), f"worker {pid} outlived its parent"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait(30)
