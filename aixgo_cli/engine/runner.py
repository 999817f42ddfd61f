"""Starting and resuming a run: the lease, the lanes, limits, interruption and the final record.

A run is a row in the journal plus its units. `start` records the run's parameters (including the input
it read, since stdin cannot be read twice) and walks the workflow; `resume` reads them back, reloads the
workflow file (which may have been edited) and walks it again with the journal as the memo. Either way,
the same code path runs.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aixgo_cli.agents.logger import prepare_file_sinks
from aixgo_cli.agents.output import CollectedOutput, OutputSink
from aixgo_cli.agents.producer import item_interval
from aixgo_cli.agents.registry import ROLES
from aixgo_cli.config.model import AgentSpec, Workflow
from aixgo_cli.engine.budget import Budget, BudgetTracker, Spent
from aixgo_cli.engine.capabilities import check_runnable
from aixgo_cli.engine.context import STOPPED, RunContext
from aixgo_cli.engine.leasing import keep_renewing, take_lease
from aixgo_cli.engine.result_items import ResultWriter, StoredResult
from aixgo_cli.engine.sessions import run_session, session_mark
from aixgo_cli.engine.templates import TemplateRenderer
from aixgo_cli.engine.walker import ItemLanes, Walker, run_lanes
from aixgo_cli.errors import AixgoError, RunError, RunInterrupted, RunPaused, RunWaiting, UserError, resume_step
from aixgo_cli.events import Event, InjectionDetected, RunFinished, RunStarted, event_to_json
from aixgo_cli.events import RunPaused as RunPausedEvent
from aixgo_cli.paths import workspaces_dir
from aixgo_cli.providers.protocol import LLMClient
from aixgo_cli.secrets.redaction import redact
from aixgo_cli.secrets.sealing import seal, unseal
from aixgo_cli.security.audit import AuditSink, NoAudit
from aixgo_cli.store.leases import LeaseLost, new_owner
from aixgo_cli.store.protocol import Journal
from aixgo_cli.store.records import Keep, RunRecord, RunStatus, journal_damaged, journal_json
from aixgo_cli.tools.sources import ToolSources, WorkflowTools, run_tool_context

if TYPE_CHECKING:  # the knowledge package is imported only by runs that use an index
    from aixgo_cli.knowledge.service import KnowledgeService

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
    session: str | None = None  # the conversation session's name (`--session`, else `session.key`)
    session_mark: int | None = None  # the session's last message when the run started: what it reads
    version: int = PARAMS_VERSION

    def to_json(self) -> str:
        """The parameters as journaled: secret values in the input and variables are stored as references
        to their names (`secrets.sealing`), never as values."""
        return json.dumps(seal(asdict(self)), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str, resolve_secret: Callable[[str], str] | None = None) -> RunParams:
        """The stored parameters; with `resolve_secret`, the secrets sealed in them are filled in again."""
        data = journal_json(text, "the run's parameters")
        if not isinstance(data, dict):
            raise journal_damaged("the run's parameters are not a JSON object")
        if data.get("version", 1) > PARAMS_VERSION:
            raise UserError("this run was started by a newer aixgo", hint="upgrade aixgo to resume it")
        if resolve_secret is not None:
            data = unseal(data, resolve_secret)
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


@dataclass
class RunOutcome:
    run_id: str
    status: RunStatus
    value: Any  # the result, or a fan-out's `StoredResult` (its items in the journal)
    spent: Spent
    error: AixgoError | None = None
    wrote_stdout: bool = False

    @property
    def result(self) -> Any:
        """The run's result; a fan-out's list read back from the journal unless it was small enough to keep."""
        return self.value.as_list() if isinstance(self.value, StoredResult) else self.value

    def result_lines(self) -> Iterable[Any]:
        """The values to print a line each: a list's items (a stored one read a page at a time), or the one value."""
        if isinstance(self.value, StoredResult | list):
            return self.value
        return [self.value]


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
        output: OutputSink | None = None,
        tool_sources: Callable[[Workflow, Path | None], ToolSources] | None = None,
        audit: Callable[[str, Workflow], AuditSink] | None = None,
        workspaces: Path | None = None,
        knowledge: KnowledgeService | None = None,
    ) -> None:
        """`workspaces`: where each run's file-tool directory is made (default: under the data dir);
        `knowledge`: the workflow's knowledge indexes, prepared by the caller; `output`: where loggers'
        lines go (default: kept in memory, `runner.output.lines`; the CLI passes its streams)."""
        self.knowledge = knowledge
        self.journal = journal
        self.workspaces = workspaces
        self.client = client
        self.emit = emit
        self.stdin_reader = stdin_reader
        self.stream = stream
        self.rerun_interrupted_tools = rerun_interrupted_tools
        self.output = output if output is not None else CollectedOutput()
        self.tool_sources = tool_sources or workflow_tools_only
        self.audit = audit or (lambda run_id, workflow: NoAudit())
        self.current: RunContext | None = None
        self.outcome: RunOutcome | None = None  # how the last start/resume ended
        self.announced: Callable[[str], None] | None = None
        self._owner = ""  # the lease token of the run being driven

    def start(self, workflow: Workflow, params: RunParams) -> RunOutcome:
        check_runnable(workflow)
        templates = _compiled_templates(workflow)  # a broken prompt stops the run before it is recorded
        params = with_session(workflow, params, self.journal)
        record = RunRecord.start(
            workflow_name=workflow.name,
            workflow_path=str(workflow.path or "<stdin>"),
            workflow_hash=workflow.text_hash,
            params_json=params.to_json(),
        )
        self.journal.create_run(record)
        owner = self._acquire(record.run_id, resumed=False)
        prepare_file_sinks(_replaced_log_files(workflow))
        return self._drive(record.run_id, workflow, params, templates, owner, resumed=False)

    def resume(self, run: RunRecord, workflow: Workflow, params: RunParams, *, answer: str | None = None) -> RunOutcome:
        check_runnable(workflow)
        templates = _compiled_templates(workflow)
        # The lease first: a resume refused because another process drives the run must change nothing.
        owner = self._acquire(run.run_id, resumed=True)
        try:
            self._save_answer(run.run_id, answer)
            self.journal.update_run(run.run_id, params_json=params.to_json())  # new limits hold for later resumes
        except BaseException:
            self.journal.release_lease(run.run_id, owner)
            raise
        return self._drive(run.run_id, workflow, params, templates, owner, resumed=True)

    def _save_answer(self, run_id: str, answer: str | None) -> None:
        if answer is None:
            return
        pending = self.journal.pending_answers(run_id)
        if not pending:
            raise UserError(
                f"run {run_id} is not waiting for an answer",
                hint="resume it without --answer:",
                next_step=resume_step(run_id),
            )
        for call_key in pending:
            self.journal.complete_call(run_id, call_key, redact(json.dumps({"answer": answer})))

    def _acquire(self, run_id: str, *, resumed: bool) -> str:
        """Take the run's lease (or refuse with exit 2, changing nothing); returns this driver's token."""
        if self.announced is not None:
            self.announced(run_id)
        owner = new_owner()
        if not take_lease(self.journal, run_id, owner, LEASE_TTL_S):
            lease = self.journal.get_lease(run_id)
            holder = lease.owner if lease else "another process"
            raise UserError(
                f"run {run_id} is being driven by {holder}",
                hint="wait for it to finish, or stop that process; then:",
                next_step=resume_step(run_id),
            )
        return owner

    def _drive(
        self,
        run_id: str,
        workflow: Workflow,
        params: RunParams,
        templates: TemplateRenderer,
        owner: str,
        *,
        resumed: bool,
    ) -> RunOutcome:
        self._owner = owner
        workspace = (self.workspaces if self.workspaces is not None else workspaces_dir()) / run_id
        stop_renewing = keep_renewing(self.journal, run_id, owner, LEASE_TTL_S)
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
        audit = self.audit(run_id, workflow)
        ctx = RunContext(
            run_id=run_id,
            workflow=workflow,
            journal=self.journal,
            client=self.client,
            knowledge=self.knowledge,
            budget=BudgetTracker(budget, spent, run_id),
            templates=templates,
            emit=_audited(self.emit, audit),
            variables=params.variables,
            run_input=params.input,
            stdin_reader=self.stdin_reader,
            stream=self.stream,
            rerun_interrupted_tools=self.rerun_interrupted_tools,
            output=self.output,
            replay_stdout=resumed,
            model_slots=threading.BoundedSemaphore(concurrency) if concurrency else None,
            tool_sources=self.tool_sources(workflow, workspace),
            audit=audit,
            workspace=workspace,
            session=run_session(workflow.session, params.session, params.session_mark, self.journal),
        )
        self.current = ctx
        try:
            self.journal.update_run(run_id, status="running", error=None)
            started = RunStarted(run_id=run_id, at=time.time(), workflow=workflow.name, resumed=resumed)
            self.journal.append_event(run_id, started.kind, event_to_json(started))
            self.emit(started)
            try:
                ctx.tool_sources.open()  # MCP servers start here: a failure is a failed, resumable run
                result = self._walk(ctx, params)
            except BaseException as exc:
                return self._finish_with_error(ctx, exc)
            return self._finish(ctx, "completed", result, None)
        except LeaseLost as lost:
            return self._lost(ctx, lost)
        finally:
            stop_renewing.set()
            try:  # servers stop on success, failure, Ctrl-C and SIGTERM alike
                ctx.tool_sources.close()
            except KeyboardInterrupt:  # a second signal must not leave a server process behind
                ctx.tool_sources.close()
            audit.close()

    def _walk(self, ctx: RunContext, params: RunParams) -> Any:
        workflow = ctx.workflow
        walker = Walker(ctx)
        producers = [a for a in workflow.agents.values() if _lane(a) == "source" and not workflow.data_sources(a.name)]
        member_names = _orchestrated(workflow)
        if workflow.orchestration is not None:
            lane_agents = [
                n for n in workflow.agent_order() if _lane(workflow.agents[n]) == "sink" and n not in member_names
            ]
        else:
            skipped = {p.name for p in producers} | {workflow.supervisor_agent}
            lane_agents = [n for n in workflow.agent_order() if n not in skipped]
        if not producers:
            return walker.run_lane("main", params.input, lane_agents)
        results = ResultWriter(self.journal, ctx.run_id)
        count = 0
        for producer in producers:
            items = walker.units.run(f"source/{producer.name}", producer, None)
            agents = lane_agents if workflow.orchestration is not None else _downstream(workflow, producer.name)
            lanes = ItemLanes(producer.name, items)
            concurrency = params.concurrency or _lane_concurrency(workflow, agents)
            interval = item_interval(producer)
            first = count  # this producer's lanes follow the earlier producers' in the result

            def keep(index: int, value: Any, first: int = first) -> None:
                results.add(first + index, value)

            run_lanes(walker, lanes, agents, concurrency, interval, ctx.cancelled, keep)
            count += len(lanes)
        return results.finished(count)

    def _finish(self, ctx: RunContext, status: RunStatus, result: Any, error: AixgoError | None) -> RunOutcome:
        if status == "completed" and ctx.session is not None:
            ctx.session.save(ctx.workflow.name, ctx.run_id)  # before the run reads as completed
        spent = ctx.budget.spent
        message = redact(error.message) if error else None
        result_json: str | Keep | None = None  # only a completed run has a result
        items = None
        if status == "completed" and isinstance(result, StoredResult):
            result_json, items = Keep.KEEP, result.count  # its items are in the journal already
        elif status == "completed":
            result_json = redact(json.dumps(result, ensure_ascii=False))
        self.journal.update_run(
            ctx.run_id,
            status=status,
            error=message,
            result_json=result_json,
            result_items=items,
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
        self.journal.release_lease(ctx.run_id, self._owner)
        self.emit(finished)
        self.outcome = RunOutcome(ctx.run_id, status, result, spent, error, ctx.wrote_stdout)
        return self.outcome

    def _lost(self, ctx: RunContext, lost: LeaseLost) -> RunOutcome:
        """Another process drives the run now: stop, and write nothing (the journal is the new holder's)."""
        ctx.cancelled.set()
        self.outcome = RunOutcome(ctx.run_id, "interrupted", None, ctx.budget.spent, lost, ctx.wrote_stdout)
        return self.outcome

    def _finish_with_error(self, ctx: RunContext, exc: BaseException) -> RunOutcome:
        ctx.cancelled.set()
        if isinstance(exc, LeaseLost):
            return self._lost(ctx, exc)
        if isinstance(exc, KeyboardInterrupt):
            exc = RunInterrupted(STOPPED, hint="continue with:", next_step=resume_step(ctx.run_id))
        if isinstance(exc, AixgoError):
            # Code below the runner does not know the run id: it leaves it out of the next step, or (in a
            # hint not yet given as a next step) writes the placeholder.
            if exc.next_step is not None:
                exc.next_step = exc.next_step.for_run(ctx.run_id)
            if exc.hint and "RUN_ID" in exc.hint:
                exc.hint = exc.hint.replace("RUN_ID", ctx.run_id)
        if isinstance(exc, RunPaused):
            paused = RunPausedEvent(run_id=ctx.run_id, at=time.time(), reason=exc.message)
            self.journal.append_event(ctx.run_id, paused.kind, event_to_json(paused))
            self.emit(paused)
            return self._finish(ctx, "waiting" if isinstance(exc, RunWaiting) else "paused", None, exc)
        if isinstance(exc, RunInterrupted):
            return self._finish(ctx, "interrupted", None, exc)
        if isinstance(exc, AixgoError):
            if exc.next_step is None and (exc.hint is None or "resume" not in exc.hint):
                exc.hint = exc.hint + "; then:" if exc.hint else "fix the cause, then:"
                exc.next_step = resume_step(ctx.run_id)
            return self._finish(ctx, "failed", None, exc)
        wrapped = RunError(
            f"internal error: {type(exc).__name__}: {exc}",
            hint="rerun with --debug for the traceback; the run can continue:",
            next_step=resume_step(ctx.run_id),
        )
        wrapped.__cause__ = exc
        return self._finish(ctx, "failed", None, wrapped)


def _audited(emit: Callable[[Event], None], audit: AuditSink) -> Callable[[Event], None]:
    """The run's event sink, which also writes every injection detection to the audit log."""

    def sink(event: Event) -> None:
        if isinstance(event, InjectionDetected):
            audit.record(
                "injection_detected",
                agent=event.agent,
                unit=event.unit_key,
                source=event.source,
                category=event.category,
                confidence=event.confidence,
                matched_patterns=list(event.matched_patterns),
                action=event.action,
            )
        emit(event)

    return sink


def workflow_tools_only(workflow: Workflow, run_workspace: Path | None = None) -> ToolSources:
    """The default when no composition root chose the sources: the workflow's own tools, secrets from
    the standard chain. `aixgo run` gets every source from wiring.tool_sources."""
    from aixgo_cli.secrets.chain import SecretResolver

    return ToolSources([WorkflowTools(workflow, run_tool_context(workflow, SecretResolver().resolve, run_workspace))])


def _compiled_templates(workflow: Workflow) -> TemplateRenderer:
    templates = TemplateRenderer()
    templates.compile_all((f"agent '{a.name}'", a.prompt) for a in workflow.agents.values() if a.prompt)
    return templates


def _spent_so_far(journal: Journal, run_id: str) -> Spent:
    """What the run's earlier invocations spent: tokens, cost and steps count against this one's limits, and
    their unknown prices and estimated counts carry into its summary."""
    earlier = journal.spent(run_id)
    return Spent(
        prompt_tokens=earlier.tokens_in,
        completion_tokens=earlier.tokens_out,
        cost_usd=earlier.cost_usd,
        unknown_cost_models=earlier.unknown_cost_models,
        estimated_token_models=earlier.estimated_token_models,
        earlier_steps=earlier.units,
    )


def with_session(workflow: Workflow, params: RunParams, journal: Journal) -> RunParams:
    """Name the run's session and fix what it reads (see engine/sessions.py)."""
    if workflow.session is None and params.session is None:
        return params
    name, mark = session_mark(workflow, params.session, journal)
    return replace(params, session=name, session_mark=mark)


def _orchestrated(workflow: Workflow) -> set[str]:
    """Every agent and flow the orchestration reaches, through nested flows."""
    names: set[str] = set()
    pending = [workflow.orchestration] if workflow.orchestration is not None else []
    while pending:
        flow = pending.pop()
        for name in flow.names:
            if name not in names:
                names.add(name)
                if name in workflow.flows:
                    pending.append(workflow.flows[name])
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
        if _lane(agent) == "sink" and config.get("sink") == "file" and not config.get("append", False):
            paths.append(Path(str(config["path"])))
    return paths


def _lane(agent: AgentSpec) -> str | None:
    """Where the agent's role sits in a lane (None for a role this version cannot run: refused earlier)."""
    role = ROLES.get(agent.role)
    return role.lane if role is not None else None
