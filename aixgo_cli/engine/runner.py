"""Starting and resuming a run: the lease, the lanes, limits, interruption and the final record.

A run is a row in the journal plus its units. `start` records the run's parameters (including the input
it read, since stdin cannot be read twice) and walks the workflow; `resume` reads them back, reloads the
workflow file (which may have been edited) and walks it again with the journal as the memo. Either way,
the same code path runs.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from aixgo_cli.agents.logger import prepare_file_sinks
from aixgo_cli.agents.producer import item_interval
from aixgo_cli.config.model import Workflow
from aixgo_cli.engine.budget import Budget, BudgetTracker, Spent
from aixgo_cli.engine.capabilities import check_runnable
from aixgo_cli.engine.context import RunContext
from aixgo_cli.engine.gateways import APPROVAL_SUFFIX
from aixgo_cli.engine.templates import TemplateRenderer
from aixgo_cli.engine.walker import Walker, run_lanes
from aixgo_cli.errors import AixgoError, RunError, RunInterrupted, RunPaused, RunWaiting, UserError
from aixgo_cli.events import Event, RunFinished, RunStarted, event_to_json
from aixgo_cli.events import RunPaused as RunPausedEvent
from aixgo_cli.knowledge.service import KnowledgeService
from aixgo_cli.providers.protocol import LLMClient
from aixgo_cli.secrets.redaction import redact
from aixgo_cli.store.protocol import Journal
from aixgo_cli.store.records import RunRecord, RunStatus

PARAMS_VERSION = 1
LEASE_TTL_S = 30.0
DEFAULT_LANE_CONCURRENCY = 4


@dataclass(frozen=True)
class RunParams:
    """What a run was started with; stored in the journal so `resume` continues the same run."""

    input: Any = None
    variables: dict[str, Any] = field(default_factory=dict)
    max_steps: int | None = None
    max_tokens: int | None = None
    max_cost_usd: float | None = None
    timeout_s: float | None = None
    concurrency: int | None = None
    replay: str | None = None
    record: str | None = None
    version: int = PARAMS_VERSION

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> RunParams:
        data = json.loads(text)
        if data.get("version", 1) > PARAMS_VERSION:
            raise UserError("this run was started by a newer aixgo", hint="upgrade aixgo to resume it")
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


@dataclass
class RunOutcome:
    run_id: str
    status: RunStatus
    result: Any
    spent: Spent
    error: AixgoError | None = None
    wrote_stdout: bool = False


class Runner:
    def __init__(
        self,
        journal: Journal,
        client: LLMClient,
        emit: Callable[[Event], None],
        *,
        stdin_reader: Callable[[], str] | None = None,
        stream: bool = False,
        rerun_interrupted_tools: bool = False,
        stdout_reserved: bool = False,
        knowledge: KnowledgeService | None = None,
    ) -> None:
        self.knowledge = knowledge  # the workflow's knowledge indexes, prepared by the caller
        self.journal = journal
        self.client = client
        self.emit = emit
        self.stdin_reader = stdin_reader
        self.stream = stream
        self.rerun_interrupted_tools = rerun_interrupted_tools
        self.stdout_reserved = stdout_reserved
        self.current: RunContext | None = None
        self.outcome: RunOutcome | None = None  # how the last start/resume ended
        self.announced: Callable[[str], None] | None = None

    def start(self, workflow: Workflow, params: RunParams) -> RunOutcome:
        check_runnable(workflow)
        templates = _compiled_templates(workflow)  # a broken prompt stops the run before it is recorded
        record = RunRecord.start(
            workflow_name=workflow.name,
            workflow_path=str(workflow.path or "<stdin>"),
            workflow_hash=workflow.text_hash,
            params_json=params.to_json(),
        )
        self.journal.create_run(record)
        prepare_file_sinks(_replaced_log_files(workflow))
        return self._drive(record.run_id, workflow, params, templates, resumed=False)

    def resume(self, run: RunRecord, workflow: Workflow, params: RunParams, *, answer: str | None = None) -> RunOutcome:
        check_runnable(workflow)
        pending = [
            c
            for c in self.journal.list_calls(run.run_id)
            if c.status == "intent" and c.call_key.endswith(APPROVAL_SUFFIX)
        ]
        if answer is not None:
            if not pending:
                raise UserError(
                    f"run {run.run_id} is not waiting for an answer",
                    hint=f"resume it without --answer: aixgo resume {run.run_id}",
                )
            for call in pending:
                self.journal.complete_call(run.run_id, call.call_key, json.dumps({"answer": answer}))
        templates = _compiled_templates(workflow)
        self.journal.update_run(run.run_id, params_json=params.to_json())  # new limits hold for later resumes
        return self._drive(run.run_id, workflow, params, templates, resumed=True)

    def _drive(
        self, run_id: str, workflow: Workflow, params: RunParams, templates: TemplateRenderer, *, resumed: bool
    ) -> RunOutcome:
        if self.announced is not None:
            self.announced(run_id)
        owner = _lease_owner()
        if not self.journal.acquire_lease(run_id, owner, LEASE_TTL_S) and not self._take_over(run_id, owner):
            lease = self.journal.get_lease(run_id)
            holder = lease.owner if lease else "another process"
            raise UserError(
                f"run {run_id} is being driven by {holder}",
                hint="wait for it to finish, or stop that process; then: aixgo resume " + run_id,
            )
        stop_renewing = threading.Event()
        renewer = threading.Thread(target=self._renew, args=(run_id, owner, stop_renewing), daemon=True)
        renewer.start()
        spent = _spent_so_far(self.journal, run_id) if resumed else Spent()
        budget = Budget(
            workflow.limits.max_steps,
            workflow.limits.max_tokens,
            workflow.limits.max_cost_usd,
            workflow.limits.timeout_s,
        ).overridden(
            max_steps=params.max_steps,
            max_tokens=params.max_tokens,
            max_cost_usd=params.max_cost_usd,
            timeout_s=params.timeout_s,
        )
        concurrency = workflow.limits.max_concurrency
        ctx = RunContext(
            run_id=run_id,
            workflow=workflow,
            journal=self.journal,
            client=self.client,
            knowledge=self.knowledge,
            budget=BudgetTracker(budget, spent, run_id),
            templates=templates,
            emit=self.emit,
            variables=params.variables,
            run_input=params.input,
            stdin_reader=self.stdin_reader,
            stream=self.stream,
            rerun_interrupted_tools=self.rerun_interrupted_tools,
            stdout_reserved=self.stdout_reserved,
            model_slots=threading.BoundedSemaphore(concurrency) if concurrency else None,
        )
        self.current = ctx
        self.journal.update_run(run_id, status="running", error=None)
        started = RunStarted(run_id=run_id, at=time.time(), workflow=workflow.name, resumed=resumed)
        self.journal.append_event(run_id, started.kind, event_to_json(started))
        self.emit(started)
        try:
            result = self._walk(ctx, params)
        except BaseException as exc:
            return self._finish_with_error(ctx, exc)
        finally:
            stop_renewing.set()
        return self._finish(ctx, "completed", result, None)

    def _walk(self, ctx: RunContext, params: RunParams) -> Any:
        workflow = ctx.workflow
        walker = Walker(ctx)
        producers = [a for a in workflow.agents.values() if a.role == "producer" and not workflow.data_sources(a.name)]
        member_names = _orchestrated(workflow)
        if workflow.orchestration is not None:
            lane_agents = [
                n for n in workflow.agent_order() if workflow.agents[n].role == "logger" and n not in member_names
            ]
        else:
            lane_agents = [n for n in workflow.agent_order() if n not in {p.name for p in producers}]
        if not producers:
            return walker.run_lane("main", params.input, lane_agents)
        results: list[Any] = []
        for producer in producers:
            items = walker.units.run(f"source/{producer.name}", producer, None)
            agents = lane_agents if workflow.orchestration is not None else _downstream(workflow, producer.name)
            lanes = [(f"{producer.name}[{index}]", item) for index, item in enumerate(items)]
            concurrency = params.concurrency or _lane_concurrency(workflow, agents)
            interval = item_interval(producer)
            results.extend(run_lanes(walker, lanes, agents, concurrency, interval, ctx.cancelled))
        return results

    def _finish(self, ctx: RunContext, status: RunStatus, result: Any, error: AixgoError | None) -> RunOutcome:
        spent = ctx.budget.spent
        message = redact(error.message) if error else None
        self.journal.update_run(
            ctx.run_id,
            status=status,
            error=message,
            result_json=redact(json.dumps(result, ensure_ascii=False)) if status == "completed" else None,
            tokens_in=spent.prompt_tokens,
            tokens_out=spent.completion_tokens,
            cost_usd=spent.cost_usd,
            steps=spent.steps + spent.cached_steps,
        )
        finished = RunFinished(
            run_id=ctx.run_id,
            at=time.time(),
            status=status,
            tokens=spent.tokens,
            cost_usd=spent.cost_usd,
            steps=spent.steps,
            cached_steps=spent.cached_steps,
            error=message,
        )
        self.journal.append_event(ctx.run_id, finished.kind, event_to_json(finished))
        self.journal.release_lease(ctx.run_id, _lease_owner())
        self.emit(finished)
        self.outcome = RunOutcome(ctx.run_id, status, result, spent, error, ctx.wrote_stdout)
        return self.outcome

    def _finish_with_error(self, ctx: RunContext, exc: BaseException) -> RunOutcome:
        ctx.cancelled.set()
        if isinstance(exc, KeyboardInterrupt):
            exc = RunInterrupted("interrupted", hint=f"continue with: aixgo resume {ctx.run_id}")
        if isinstance(exc, AixgoError) and exc.hint and "RUN_ID" in exc.hint:
            # Code below the runner does not know the run id and writes the placeholder.
            exc.hint = exc.hint.replace("RUN_ID", ctx.run_id)
        if isinstance(exc, RunPaused):
            paused = RunPausedEvent(run_id=ctx.run_id, at=time.time(), reason=exc.message)
            self.journal.append_event(ctx.run_id, paused.kind, event_to_json(paused))
            self.emit(paused)
            return self._finish(ctx, "waiting" if isinstance(exc, RunWaiting) else "paused", None, exc)
        if isinstance(exc, RunInterrupted):
            return self._finish(ctx, "interrupted", None, exc)
        if isinstance(exc, AixgoError):
            if exc.hint is None or "resume" not in exc.hint:
                exc.hint = (
                    exc.hint + "; then: " if exc.hint else "fix the cause, then: "
                ) + f"aixgo resume {ctx.run_id}"
            return self._finish(ctx, "failed", None, exc)
        wrapped = RunError(
            f"internal error: {type(exc).__name__}: {exc}",
            hint=f"rerun with --debug for the traceback; the run can continue: aixgo resume {ctx.run_id}",
        )
        wrapped.__cause__ = exc
        return self._finish(ctx, "failed", None, wrapped)

    def _take_over(self, run_id: str, owner: str) -> bool:
        """Take the lease from a process on this machine that no longer exists (killed, crashed), instead
        of making the user wait for the lease to expire."""
        lease = self.journal.get_lease(run_id)
        if lease is None:
            return self.journal.acquire_lease(run_id, owner, LEASE_TTL_S)
        host, _, pid_text = lease.owner.rpartition(":")
        if host != socket.gethostname() or not pid_text.isdigit() or _alive(int(pid_text)):
            return False
        self.journal.release_lease(run_id, lease.owner)
        return self.journal.acquire_lease(run_id, owner, LEASE_TTL_S)

    def _renew(self, run_id: str, owner: str, stop: threading.Event) -> None:
        while not stop.wait(LEASE_TTL_S / 3):
            try:
                self.journal.renew_lease(run_id, owner, LEASE_TTL_S)
            except Exception:  # a missed renewal is retried; the lease lasts three periods
                continue


def _compiled_templates(workflow: Workflow) -> TemplateRenderer:
    templates = TemplateRenderer()
    templates.compile_all((f"agent '{a.name}'", a.prompt) for a in workflow.agents.values() if a.prompt)
    return templates


def _lease_owner() -> str:
    """Who drives a run: this host and process, so a lease left by a dead local process can be taken."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _spent_so_far(journal: Journal, run_id: str) -> Spent:
    spent = Spent()
    for call in journal.list_calls(run_id):
        if call.status == "completed":
            spent.prompt_tokens += call.tokens_in
            spent.completion_tokens += call.tokens_out
            spent.cost_usd += call.cost_usd
    spent.earlier_steps = len(journal.list_units(run_id))
    return spent


def _orchestrated(workflow: Workflow) -> set[str]:
    from aixgo_cli.config.orchestration_checks import block_members

    names: set[str] = set()
    pending = [dict(workflow.raw["orchestration"])] if workflow.orchestration is not None else []
    while pending:
        block = pending.pop()
        for name in block_members(block):
            if name not in names:
                names.add(name)
                if name in workflow.flows:
                    pending.append(dict(workflow.raw["flows"][name]))
    return names


def _downstream(workflow: Workflow, source: str) -> list[str]:
    preds = workflow.predecessors()
    reached = {source}
    for name in workflow.agent_order():
        if preds[name] & reached:
            reached.add(name)
    reached.discard(source)
    return [n for n in workflow.agent_order() if n in reached]


def _lane_concurrency(workflow: Workflow, agents: list[str]) -> int:
    declared = [workflow.agents[n].concurrency for n in agents if workflow.agents[n].concurrency]
    if declared:
        return max(c for c in declared if c is not None)
    return workflow.limits.max_concurrency or DEFAULT_LANE_CONCURRENCY


def _replaced_log_files(workflow: Workflow) -> list[Path]:
    paths = []
    for agent in workflow.agents.values():
        config = agent.config
        if agent.role == "logger" and config.get("sink") == "file" and not config.get("append", False):
            paths.append(Path(str(config["path"])))
    return paths
