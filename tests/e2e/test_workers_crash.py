"""`aixgo run --workers 2` stopped by SIGKILL, SIGTERM or SIGINT while its workers hold model calls in
flight: no worker process survives its parent, and `aixgo resume` finishes the run without sending any
call the journal had recorded as completed."""

from __future__ import annotations

import json
import os
import select
import signal
from pathlib import Path

import pytest
from tests.e2e.test_crash_resume import EXPECTED, ITEMS, WORKFLOW, completed_prompts, requests_reached, wait_until
from tests.support.e2e import Cli, stub_service

from aixgo_cli.testing.stub_model_server import StubModelServer

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc").is_dir() or not hasattr(os, "pidfd_open"), reason="needs Linux /proc"),
]


def children_of(pid: int) -> list[int]:
    """The processes whose parent is `pid`, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # it ended while we looked
        fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (name) ": state, ppid, ...
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def exited_within(pid: int, seconds: float) -> bool:
    try:
        handle = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        return bool(select.select([handle], [], [], seconds)[0])
    finally:
        os.close(handle)


@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT], ids=lambda s: s.name)
def test_stopping_the_parent_mid_call_leaves_no_worker_and_resume_repeats_nothing(
    cli: Cli, stub: StubModelServer, stop: signal.Signals
) -> None:
    cli.write("wf.yaml", WORKFLOW.format(service=stub_service(stub)))
    stub.set_latency(0.3)
    process = cli.popen("run", "wf.yaml", "--input", "\n".join(ITEMS), "--workers", "2")
    wait_until(requests_reached(stub, 5))  # two answered and journaled at least, others in flight
    workers = children_of(process.pid)
    assert len(workers) == 2, f"expected 2 worker processes, found {workers}"
    process.send_signal(stop)
    process.communicate(timeout=60)
    if stop != signal.SIGKILL:
        assert process.returncode == 130
    for pid in workers:
        assert exited_within(pid, 30), f"worker {pid} outlived its parent ({stop.name})"

    done_before = completed_prompts(cli.db)
    sent_before = len(stub.stats()["requests"])
    stub.set_latency(0.0)
    run_id = cli.runs()[0]["run_id"]
    final = cli.run("resume", run_id, "--json", "--workers", "2")
    assert final.returncode == 0, final.stderr
    assert json.loads(final.stdout)["result"] == EXPECTED
    resent = [r["last_user"] for r in stub.stats()["requests"][sent_before:] if r["last_user"] in done_before]
    assert resent == [], f"completed calls sent again: {resent}"
    assert len(completed_prompts(cli.db)) == 2 * len(ITEMS)
