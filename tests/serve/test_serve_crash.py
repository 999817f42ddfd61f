"""SIGKILL the server while a served run waits on the model, start it again: it resumes the run, which
completes, and the stub's request log shows no completed call sent twice."""

from __future__ import annotations

import time

import pytest
from tests.serve.served import make_key, start_server, workflow
from tests.support.e2e import Cli, stub_service

from aixgo_cli.testing.stub_model_server import StubModelServer

pytestmark = pytest.mark.slow


def test_a_killed_server_resumes_its_runs_without_repeating_completed_calls(cli: Cli, stub: StubModelServer) -> None:
    workflow(cli, "three", stub_service(stub), steps=3)
    key = make_key(cli, "runner", "runner")
    server = start_server(cli, str(cli.workdir))
    try:
        run_id = server.request("POST", "/api/v1/workflows/three/runs", key=key, body={"input": "k"}).json()["run_id"]
        deadline = time.monotonic() + 60
        stub.set_latency(30.0)  # the second call will hang until the kill
        while not any(r["last_user"].startswith("Step 1:") for r in stub.stats()["requests"]):
            assert time.monotonic() < deadline, "the run never reached its second step"
            time.sleep(0.02)
        server.kill()
    finally:
        server.stop()
    assert any(r["run_id"] == run_id and r["status"] == "running" for r in cli.runs())
    stub.set_latency(0.0)
    again = start_server(cli, str(cli.workdir))
    try:
        deadline = time.monotonic() + 60
        while again.request("GET", f"/api/v1/runs/{run_id}", key=key).json()["status"] == "running":
            assert time.monotonic() < deadline, "the resumed run never finished"
            time.sleep(0.05)
        run = again.request("GET", f"/api/v1/runs/{run_id}", key=key).json()
    finally:
        stderr = again.stop()
    assert run["status"] == "completed", run
    assert run["result"] == "stub: Step 2: stub: Step 1: stub: Step 0: k"
    assert f"resuming run {run_id}" in stderr
    prompts = [r["last_user"] for r in stub.stats()["requests"]]
    assert prompts.count("Step 0: k") == 1  # completed before the kill: never sent again
    assert prompts.count("Step 1: stub: Step 0: k") == 2  # in flight at the kill: sent again, as it never completed


def test_a_stopped_server_interrupts_its_runs_and_resumes_them_at_the_next_start(
    cli: Cli, stub: StubModelServer
) -> None:
    workflow(cli, "three", stub_service(stub), steps=3)
    key = make_key(cli, "runner", "runner")
    server = start_server(cli, str(cli.workdir))
    try:
        stub.set_latency(30.0)  # both first calls are still in flight when the server stops
        cancelled = server.request("POST", "/api/v1/workflows/three/runs", key=key, body={"input": "c"}).json()[
            "run_id"
        ]
        run_id = server.request("POST", "/api/v1/workflows/three/runs", key=key, body={"input": "s"}).json()["run_id"]
        deadline = time.monotonic() + 60
        while not {"Step 0: c", "Step 0: s"} <= {r["last_user"] for r in stub.stats()["requests"]}:
            assert time.monotonic() < deadline, "the runs never started their first step"
            time.sleep(0.02)
        assert server.request("POST", f"/api/v1/runs/{cancelled}/cancel", key=key).status == 202
        server.request("GET", f"/api/v1/runs/{cancelled}/events", key=key)  # returns once it has stopped
    finally:
        server.stop()  # SIGTERM: the run still in progress is interrupted and records it
    statuses = {r["run_id"]: r["status"] for r in cli.runs()}
    assert statuses[run_id] == "interrupted" and statuses[cancelled] == "interrupted"
    stub.set_latency(0.0)
    again = start_server(cli, str(cli.workdir))
    try:
        done = again.request("GET", f"/api/v1/runs/{run_id}/events", key=key).body.decode()  # returns at its end
        run = again.request("GET", f"/api/v1/runs/{run_id}", key=key).json()
        still = again.request("GET", f"/api/v1/runs/{cancelled}", key=key).json()
    finally:
        stderr = again.stop()
    assert run["status"] == "completed" and "event: end" in done
    assert still["status"] == "interrupted"  # cancelled by a client: left alone
    assert f"resuming run {run_id}" in stderr and cancelled not in stderr
    prompts = [r["last_user"] for r in stub.stats()["requests"]]
    # The stop came while the first call was in flight: the call was cancelled (its request closed), so it
    # never completed and is sent once more; what completed after the restart was sent once.
    assert prompts.count("Step 0: s") == 2
    assert prompts.count("Step 1: stub: Step 0: s") == 1 and prompts.count("Step 2: stub: Step 1: stub: Step 0: s") == 1
    assert prompts.count("Step 0: c") == 1  # the cancelled run was not resumed
