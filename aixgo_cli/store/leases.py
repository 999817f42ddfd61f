"""Who drives a run: lease owner tokens, fencing, and telling a live driver from a dead one.

An owner token is `host:pid:nonce`. The host and pid let another process on the same machine see that
the driver is gone (killed, crashed) and take the run over at once, and let `runs list` show such a run
as stale. The nonce makes every acquisition distinct, so a process that drives the same run twice, or two
runners in one process, can never mistake a later holder for itself.

Fencing: a journal handle that took a lease remembers its token, and every write it makes for that run
first checks, inside the write transaction, that the run's row still names that token. A driver paused
past its lease (SIGSTOP, a laptop lid, a long GC) therefore fails at its next write with `LeaseLost`
instead of overwriting what the new holder recorded.
"""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass, field, replace

from aixgo_cli.errors import RunInterrupted
from aixgo_cli.store.protocol import Journal
from aixgo_cli.store.records import Lease, RunRecord, UsageNotes


class LeaseLost(RunInterrupted):
    """Another process took the run's lease while this one was not renewing it; nothing more was written."""


def lease_lost(run_id: str, holder: str | None) -> LeaseLost:
    who = f"by {holder}" if holder else "(its lease expired and was released)"
    return LeaseLost(
        f"run {run_id} was taken over {who} while this process was paused; this process stopped "
        "without writing anything further",
        hint=f"see its state with: aixgo runs show {run_id}",
    )


def new_owner() -> str:
    """A fresh owner token for one acquisition by this process."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def owner_process(owner: str) -> tuple[str, int | None]:
    """(host, pid) of an owner token; pid None when the token does not name one (`host:pid[:nonce]`)."""
    parts = owner.split(":")
    if len(parts) >= 3 and parts[-2].isdigit():
        return ":".join(parts[:-2]), int(parts[-2])
    if len(parts) >= 2 and parts[-1].isdigit():
        return ":".join(parts[:-1]), int(parts[-1])
    return owner, None


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def holder_gone(owner: str) -> bool:
    """True when the owner is a process on this machine that no longer exists."""
    host, pid = owner_process(owner)
    return pid is not None and host == socket.gethostname() and not process_alive(pid)


def is_stale(run: RunRecord, lease: Lease | None) -> bool:
    """A run recorded as running whose driver is gone: its lease expired, or its process on this host
    died (SIGKILL, a crash). `aixgo resume` continues it."""
    if run.status != "running":
        return False
    return lease is None or holder_gone(lease.owner)


@dataclass(frozen=True)
class RunView:
    """A run as history shows it: for a run still recorded as running, totals rebuilt from what its
    units and calls recorded so far (the run row gets its totals only when a driver finishes), and
    whether its driver is gone."""

    run: RunRecord
    stale: bool = False
    holder: str | None = None
    notes: UsageNotes = field(default_factory=UsageNotes)

    @property
    def shown_status(self) -> str:
        return "stale" if self.stale else self.run.status


def observe(journal: Journal, run: RunRecord) -> RunView:
    notes = journal.usage_notes(run.run_id)
    if run.status != "running":
        return RunView(run, notes=notes)
    lease = journal.get_lease(run.run_id)
    steps = journal.tally_units(run.run_id).steps
    tokens_in = tokens_out = 0
    cost = 0.0
    for call in journal.list_calls(run.run_id):
        if call.status == "completed":
            tokens_in += call.tokens_in
            tokens_out += call.tokens_out
            cost += call.cost_usd
    current = replace(run, steps=steps, tokens_in=tokens_in, tokens_out=tokens_out, cost_usd=cost)
    return RunView(current, is_stale(run, lease), lease.owner if lease else None, notes)
