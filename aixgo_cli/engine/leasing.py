"""Taking a run's lease and keeping it: the driver's side of `store.leases`."""

from __future__ import annotations

import threading

from aixgo_cli.store.leases import holder_gone
from aixgo_cli.store.protocol import Journal


def take_lease(journal: Journal, run_id: str, owner: str, ttl_s: float) -> bool:
    """Take the lease if it is free or expired, or held by a process on this machine that no longer
    exists (killed, crashed): the user need not wait for that lease to expire."""
    if journal.acquire_lease(run_id, owner, ttl_s):
        return True
    lease = journal.get_lease(run_id)
    if lease is None:
        return journal.acquire_lease(run_id, owner, ttl_s)
    if not holder_gone(lease.owner):
        return False
    journal.release_lease(run_id, lease.owner)
    return journal.acquire_lease(run_id, owner, ttl_s)


def keep_renewing(journal: Journal, run_id: str, owner: str, ttl_s: float) -> threading.Event:
    """Renew the lease every third of its length on a daemon thread until the returned event is set."""
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(ttl_s / 3):
            try:
                if not journal.renew_lease(run_id, owner, ttl_s):
                    return  # taken over: the driver's next journal write raises LeaseLost
            except Exception:  # a missed renewal is retried; the lease lasts three periods
                continue

    threading.Thread(target=renew, name=f"lease-{run_id}", daemon=True).start()
    return stop
