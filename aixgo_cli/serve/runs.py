"""Served runs: each one an ordinary journaled run, driven by the same run session as `aixgo run`, on its
own worker thread so the server's event loop never waits for a model.

A run started here gets a `served` event in its journal. When the server stops, it interrupts the runs in
progress; when it starts again, it resumes every served run left `interrupted` that way, or still marked
`running` because the server was killed, with the journal as the memo (no completed call is sent
again). A run a client cancelled carries a `cancelled` event and is left alone.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aixgo_cli.config.model import Workflow, load_workflow
from aixgo_cli.engine.run_limits import LimitOverrides
from aixgo_cli.engine.runner import RunOutcome, RunParams
from aixgo_cli.errors import AixgoError, UserError
from aixgo_cli.events import Event
from aixgo_cli.serve.keys import Principal
from aixgo_cli.serve.limits import RunSlots
from aixgo_cli.serve.metrics import Metrics
from aixgo_cli.store.leases import holder_gone
from aixgo_cli.store.protocol import Journal
from aixgo_cli.wiring import RunServices, RunSession, run_exit_code

SERVED_EVENT = "served"
CANCELLED_EVENT = "cancelled"


class Busy(AixgoError):
    """No run slot is free (answered with 429)."""


@dataclass
class RunHandle:
    """A run this server drives now: its id once the journal has it, its outcome once it ends."""

    workflow: str
    principal: str
    run_id: str | None = None
    outcome: RunOutcome | None = None
    error: AixgoError | None = None  # refused before the run existed (bad input, missing secret)
    cancel: threading.Event = field(default_factory=threading.Event)
    known: threading.Event = field(default_factory=threading.Event)  # run_id set, or error
    done: threading.Event = field(default_factory=threading.Event)
    runner: Any = None  # the engine's Runner driving it, once built
    listeners: list[Callable[[Event], None]] = field(default_factory=list)
    done_callbacks: list[Callable[[], None]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def on_done(self, callback: Callable[[], None]) -> None:
        with self._lock:
            if not self.done.is_set():
                self.done_callbacks.append(callback)
                return
        callback()

    def finish(self) -> None:
        with self._lock:
            self.done.set()
            self.known.set()
            callbacks, self.done_callbacks = self.done_callbacks, []
        for callback in callbacks:
            callback()

    @property
    def exit_code(self) -> int | None:
        if self.outcome is not None:
            return int(run_exit_code(self.outcome))
        return int(self.error.exit_code) if self.error is not None else None


class ServedRuns:
    def __init__(
        self,
        workflows: dict[str, Workflow],
        journal: Journal,
        metrics: Metrics,
        *,
        ceiling: LimitOverrides,
        slots: RunSlots,
    ) -> None:
        self.workflows = workflows
        self.journal = journal
        self.metrics = metrics
        self.ceiling = ceiling
        self.slots = slots
        self._active: dict[str, RunHandle] = {}
        self._lock = threading.Lock()

    def active(self, run_id: str) -> RunHandle | None:
        with self._lock:
            return self._active.get(run_id)

    def start(
        self,
        principal: Principal,
        name: str,
        run_input: Any,
        variables: dict[str, Any],
        limits: LimitOverrides,
        *,
        listener: Callable[[Event], None] | None = None,
    ) -> RunHandle:
        """Start a run of the workflow `name`; returns once the journal has it (or it was refused)."""
        from aixgo_cli.engine.inputs import coerce_variables

        workflow = self.workflows[name]
        params = limits.capped_by(self.ceiling).over(
            RunParams(input=run_input, variables=coerce_variables(workflow, variables))
        )
        handle = RunHandle(name, principal.name, listeners=[listener] if listener else [])
        self._launch(handle, principal, lambda session, runner: runner.start(workflow, params), workflow)
        return handle

    def resume(self, principal: Principal, run_id: str, *, answer: str | None, limits: LimitOverrides) -> RunHandle:
        """Resume a paused, waiting, interrupted or failed run (answering it first when `answer` is given)."""
        run = self.journal.find_run(run_id)
        if run.status == "completed":
            raise UserError(f"run {run.run_id} has already completed", hint="get its result instead")
        if self.active(run.run_id) is not None:
            raise UserError(f"run {run.run_id} is in progress on this server", hint="wait for it, or cancel it")
        path = Path(run.workflow_path)
        if not path.is_file():
            raise UserError(f"the workflow of run {run.run_id} is gone: {path}", hint="put the file back to resume")
        workflow = load_workflow(path)
        if workflow.name not in self.workflows:
            raise UserError(
                f"run {run.run_id} is of a workflow this server does not serve", hint="resume it with aixgo resume"
            )
        services = RunServices(workflow)
        params = limits.capped_by(self.ceiling).over(RunParams.from_json(run.params_json, services.secrets.resolve))
        handle = RunHandle(workflow.name, principal.name, run_id=run.run_id)
        self._launch(
            handle,
            principal,
            lambda session, runner: runner.resume(run, workflow, params, answer=answer),
            workflow,
            services=services,
        )
        return handle

    def cancel(self, run_id: str, *, by: str) -> bool:
        """Stop a run in progress here (it ends `interrupted`, resumable by hand); journaled as `cancelled`
        so a restarted server does not resume it."""
        handle = self.active(run_id)
        if handle is None:
            return False
        self.journal.append_event(run_id, CANCELLED_EVENT, json.dumps({"v": 1, "kind": CANCELLED_EVENT, "by": by}))
        self._interrupt(handle)
        return True

    def stop_all(self, timeout_s: float) -> None:
        """On shutdown: interrupt every run in progress and give them `timeout_s` to record it; a restarted
        server resumes them."""
        with self._lock:
            handles = list(self._active.values())
        for handle in handles:
            self._interrupt(handle)
        deadline = time.monotonic() + timeout_s
        for handle in handles:
            handle.done.wait(max(0.0, deadline - time.monotonic()))

    def _interrupt(self, handle: RunHandle) -> None:
        handle.cancel.set()
        current = handle.runner.current if handle.runner is not None else None
        if current is not None:
            current.cancelled.set()  # the run stops at its next step or model call, as on Ctrl-C

    def resume_in_flight(self, on_error: Callable[[str, AixgoError], None]) -> list[RunHandle]:
        """Resume the served runs a stopped server left behind: `running` with their driver gone (killed), or
        `interrupted` by the server's shutdown (not cancelled by a client)."""
        handles = []
        left = [*self.journal.list_runs(limit=10_000, status="running")]
        left += self.journal.list_runs(limit=10_000, status="interrupted")
        for run in left:
            lease = self.journal.get_lease(run.run_id)
            if lease is not None and not holder_gone(lease.owner) and lease.expires_at > time.time():
                continue  # another process drives it
            events = [
                e
                for e in self.journal.list_events(run.run_id)
                if e.kind in (SERVED_EVENT, CANCELLED_EVENT, "run_started")
            ]
            served = [e for e in events if e.kind == SERVED_EVENT]
            if not served or events[-1].kind == CANCELLED_EVENT:
                continue
            who = json.loads(served[0].payload_json).get("by", "server")
            try:
                handles.append(
                    self.resume(Principal(str(who), "admin"), run.run_id, answer=None, limits=LimitOverrides())
                )
            except AixgoError as exc:
                on_error(run.run_id, exc)
        return handles

    def _launch(
        self,
        handle: RunHandle,
        principal: Principal,
        go: Callable[[RunSession, Any], RunOutcome],
        workflow: Workflow,
        *,
        services: RunServices | None = None,
    ) -> None:
        refused = self.slots.acquire(principal.name)
        if refused is not None:
            self.metrics.refused("busy")
            raise Busy(refused, hint="retry when a run has finished")
        thread = threading.Thread(
            target=self._drive,
            args=(handle, principal, go, workflow, services),
            name=f"serve-run-{handle.workflow}",
            daemon=True,
        )
        thread.start()
        handle.known.wait()
        if handle.error is not None and handle.run_id is None:
            raise handle.error

    def _drive(
        self,
        handle: RunHandle,
        principal: Principal,
        go: Callable[[RunSession, Any], RunOutcome],
        workflow: Workflow,
        services: RunServices | None,
    ) -> None:
        began = time.monotonic()
        self.metrics.run_started()
        try:
            # workers=1: the server's threads share one model-call loop; forking worker processes from a
            # process that runs many threads (uvicorn, other runs) is not safe.
            session = RunSession.prepare(services or RunServices(workflow), workers=1)
            runner = session.runner(self.journal, lambda event: self._emit(handle, event))

            def announced(run_id: str) -> None:
                handle.run_id = run_id
                with self._lock:
                    self._active[run_id] = handle
                if not any(e.kind == SERVED_EVENT for e in self.journal.list_events(run_id)):
                    self.journal.append_event(
                        run_id, SERVED_EVENT, json.dumps({"v": 1, "kind": SERVED_EVENT, "by": principal.name})
                    )
                handle.known.set()

            runner.announced = announced
            handle.runner = runner
            handle.outcome = go(session, runner)
        except AixgoError as exc:
            handle.error = exc
        except Exception as exc:  # a bug: the run (if it exists) is journaled as failed by the runner
            handle.error = AixgoError(f"internal error: {type(exc).__name__}", hint="see the server's log")
        finally:
            self.slots.release(principal.name)
            self.metrics.run_ended(time.monotonic() - began)
            if handle.run_id is not None:
                with self._lock:
                    self._active.pop(handle.run_id, None)
            handle.finish()

    def _emit(self, handle: RunHandle, event: Event) -> None:
        self.metrics.observe(event)
        current = handle.runner.current if handle.runner is not None else None
        if handle.cancel.is_set() and current is not None:
            current.cancelled.set()  # a cancel that came before the run's context existed
        for listener in list(handle.listeners):
            listener(event)
