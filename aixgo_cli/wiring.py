"""The composition root: the one place that picks concrete parts (journal file, model client, secret
sources) and hands them to the engine, which sees only protocols."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from aixgo_cli.agents.registry import calls_model
from aixgo_cli.config.model import Workflow
from aixgo_cli.errors import ConfigurationError, ExitCode, RunError, UserError, exit_code_for
from aixgo_cli.paths import data_home, default_db_path
from aixgo_cli.providers.litellm_client import warm_up
from aixgo_cli.providers.model_ref import ModelResolver
from aixgo_cli.providers.protocol import LLMClient, TokenCallback
from aixgo_cli.providers.retry import RetryNotice
from aixgo_cli.providers.stack import build_client
from aixgo_cli.providers.types import ChatRequest, ChatResponse
from aixgo_cli.providers.worker_count import default_workers
from aixgo_cli.secrets.chain import SecretResolver
from aixgo_cli.secrets.command_source import CommandSource
from aixgo_cli.secrets.redaction import redact
from aixgo_cli.secrets.references import referenced_names
from aixgo_cli.security.audit import AuditLog, AuditSink, NoAudit
from aixgo_cli.store.sqlite_journal import SqliteJournal
from aixgo_cli.tools.base import ToolContext
from aixgo_cli.tools.mcp_source import McpTools, server_secret_names
from aixgo_cli.tools.sources import SourceFactory, ToolSources, WorkflowTools, run_tool_context

if TYPE_CHECKING:  # the knowledge package is imported only by runs that use an index
    from aixgo_cli.agents.output import OutputSink
    from aixgo_cli.engine.runner import Runner, RunOutcome
    from aixgo_cli.events import Event
    from aixgo_cli.knowledge.build import BuildReport
    from aixgo_cli.knowledge.service import KnowledgeService
    from aixgo_cli.store.protocol import Journal

CASSETTE_SUFFIX = ".cassette.jsonl"

# Where agents' tools come from; a new source is one module and one line here.
TOOL_SOURCES: tuple[SourceFactory, ...] = (WorkflowTools, McpTools)


def open_journal(db: Path | None, *, read_only: bool = False) -> SqliteJournal:
    """The journal file; `read_only` opens an existing one without creating or changing anything."""
    return SqliteJournal(db if db is not None else default_db_path(), read_only=read_only)


def required_secrets(workflow: Workflow) -> list[str]:
    """Every secret the run's model calls need, known before any network call."""
    resolver = ModelResolver(workflow.model_services.values())
    names: list[str] = []
    for agent in workflow.agents.values():
        if agent.model and calls_model(agent.role):
            name = resolver.resolve(agent.model).api_key_secret_name
            if name and name not in names:
                names.append(name)
    return names


def tool_secrets(workflow: Workflow) -> list[str]:
    """Every secret the tools the agents use name (MCP env, headers and tokens; http tool headers)."""
    names: list[str] = []
    used_tools = {ref.name for agent in workflow.agents.values() for ref in agent.tools}
    for name, definition in workflow.tools.items():
        if name in used_tools:
            headers = dict(definition.get("headers") or {}).values()
            names += [str(v["secret"]) for v in headers if isinstance(v, Mapping)]
    probe = McpTools(workflow, ToolContext(workflow.base_dir, lambda name: ""))
    for server in probe.used_servers():
        names += server_secret_names(workflow.mcp_servers[server])
    return list(dict.fromkeys(names))


class RunServices:
    """What one `run` or `resume` shares between its model client, its tools and its audit log: one
    secret resolver, so every secret the run resolves is registered for redaction and named (never
    shown) in the audit log."""

    def __init__(self, workflow: Workflow, secrets: SecretResolver | None = None) -> None:
        self.workflow = workflow
        self.secrets = secrets if secrets is not None else secret_resolver(workflow)
        self._audit: AuditSink | None = None
        self._resolved: list[str] = []

    def check_tool_secrets(self) -> None:
        """Exit 3 before any request when a secret a tool needs is missing."""
        self.secrets.require_all(tool_secrets(self.workflow))

    def resolve_secret(self, name: str) -> str:
        value = self.secrets.resolve(name)
        if self._audit is not None:
            self._audit.record("secret_resolved", name=name, source=self.secrets.source_of(name) or "unknown")
        else:
            self._resolved.append(name)
        return value

    def tool_sources(self, workflow: Workflow, run_workspace: Path | None = None) -> ToolSources:
        context = run_tool_context(workflow, self.resolve_secret, run_workspace)
        return ToolSources([factory(workflow, context) for factory in TOOL_SOURCES])

    def audit_for(self, run_id: str, workflow: Workflow) -> AuditSink:
        settings = workflow.raw.get("audit") or {}
        if settings.get("enabled", True) is False:
            return NoAudit()
        configured = settings.get("path")
        path = (workflow.base_dir / str(configured)) if configured else data_home() / "audit" / f"{run_id}.jsonl"
        try:
            audit = AuditLog(path, run_id, redact)
        except OSError as exc:
            raise UserError(
                f"cannot open the audit log {path}: {exc.strerror}",
                hint="give audit.path a writable location, or set AIXGO_HOME",
            ) from None
        audit.record("run_opened", workflow=workflow.name)
        try:
            model_secrets = required_secrets(workflow)
        except UserError:  # a model that is not a provider's (a test double): it names no secret
            model_secrets = []
        for name in model_secrets:  # model keys: resolved on each call, recorded once here
            source = self.secrets.source_of(name)
            if source is not None:
                audit.record("secret_resolved", name=name, source=source, used_by="model calls")
        for name in dict.fromkeys(self._resolved):
            audit.record("secret_resolved", name=name, source=self.secrets.source_of(name) or "unknown")
        self._resolved.clear()
        self._audit = audit
        return audit


def sibling_cassette(workflow: Workflow) -> Path | None:
    if workflow.path is None:
        return None
    candidate = workflow.path.with_name(workflow.path.name.removesuffix(".yaml").removesuffix(".yml") + CASSETTE_SUFFIX)
    return candidate if candidate.is_file() else None


def build_model_client(
    workflow: Workflow,
    *,
    replay: Path | None,
    record: Path | None,
    on_auto_replay: Callable[[list[str], Path], None] | None = None,
    secrets: SecretResolver | None = None,
    on_retry: Callable[[RetryNotice], None] | None = None,
    workers: int | None = None,
) -> tuple[LLMClient, Path | None]:
    """The client for a run, and the cassette it replays (if any). `workers`: processes for the model
    calls (None: what the workflow warrants, see `worker_count`).

    Secrets are all resolved here, so a missing one stops the run with exit 3 before any request. A
    shipped example with a recorded cassette beside it replays that cassette when its key is missing.
    """
    secrets = secrets if secrets is not None else secret_resolver(workflow)
    secrets.register_from_environment()
    for name in referenced_names(workflow.raw):
        secrets.get(name)  # registers each value found with the redaction filter, before anything is stored
    if replay is not None:
        if not replay.is_file():
            raise UserError(f"no cassette at {replay}", hint="record one first: aixgo run WORKFLOW --record FILE")
        return build_client(lambda name: "", workflow.model_services.values(), replay_from=replay, scrub=redact), replay
    names = required_secrets(workflow)
    try:
        secrets.require_all(names)
    except ConfigurationError:
        cassette = sibling_cassette(workflow)
        if cassette is None or record is not None:
            raise
        missing = [n for n in names if secrets.get(n) is None]
        if on_auto_replay is not None:
            on_auto_replay(missing, cassette)
        client = build_client(
            lambda name: "",
            workflow.model_services.values(),
            replay_from=cassette,
            scrub=redact,
            missing_secrets=missing,
        )
        return client, cassette
    client = build_client(
        secrets.resolve,
        workflow.model_services.values(),
        record_to=record,
        scrub=redact,
        on_retry=on_retry,
        workers=workers if workers is not None else default_workers(workflow),
    )
    if names or _calls_models(workflow):
        # Import LiteLLM (2-5 s with what its first call imports) now, before the run's clock starts,
        # so that neither the time limit nor the first call's and first step's durations include it.
        warm_up()
    return RefetchRejectedKey(client, secrets, ModelResolver(workflow.model_services.values())), None


def _calls_models(workflow: Workflow) -> bool:
    return any(a.model and calls_model(a.role) for a in workflow.agents.values())


def secret_resolver(workflow: Workflow) -> SecretResolver:
    """The standard chain plus the credential-helper commands the workflow declares under `secrets:`."""
    return SecretResolver(commands=CommandSource.of(workflow.raw.get("secrets")))


class RefetchRejectedKey:
    """On a rejected key (401/403), fetch a command-supplied secret once more and retry once: a key
    rotated during a long run is picked up without restarting it. Other sources would return the same
    value, so their rejection stands."""

    def __init__(self, inner: LLMClient, secrets: SecretResolver, models: ModelResolver) -> None:
        self.inner = inner
        self.secrets = secrets
        self.models = models

    def complete(self, request: ChatRequest, *, on_token: TokenCallback | None = None) -> ChatResponse:
        try:
            return self.inner.complete(request, on_token=on_token)
        except ConfigurationError:
            name = self.models.resolve(request.model).api_key_secret_name
            if not name or self.secrets.refresh(name) is None:
                raise
        return self.inner.complete(request, on_token=on_token)


def build_knowledge(
    workflow: Workflow, *, offline: bool = False, replay: Path | None = None, record: Path | None = None
) -> KnowledgeService | None:
    """The workflow's knowledge indexes, with an embedding client when an index names a model.

    Replaying, embeddings come from the cassette's embedding lines; recording, they are appended to it.
    Offline with no cassette there is no client: keyword search works, and an index that needs an
    embedding says so. The embedding models' secrets are required here, before any request.
    """
    if not workflow.raw.get("knowledge"):
        return None  # and the knowledge package is never imported
    from aixgo_cli.knowledge.service import KnowledgeService
    from aixgo_cli.knowledge.spec import index_specs
    from aixgo_cli.providers.embeddings import (
        RecordingEmbeddingClient,
        ReplayingEmbeddingClient,
        build_embedding_client,
    )

    specs = index_specs(workflow)
    if not specs:
        return None
    models = sorted({s.embedding_model for s in specs.values() if s.embedding_model})
    if not models:
        return KnowledgeService(workflow, None)
    if replay is not None:
        return KnowledgeService(workflow, ReplayingEmbeddingClient(replay))
    if offline:
        return KnowledgeService(workflow, None)
    resolver = ModelResolver(workflow.model_services.values())
    secrets = secret_resolver(workflow)
    secrets.require_all(sorted({n for m in models if (n := resolver.resolve(m).api_key_secret_name)}))
    client = build_embedding_client(secrets.resolve, workflow.model_services.values())
    return KnowledgeService(workflow, RecordingEmbeddingClient(client, record) if record is not None else client)


@dataclass
class RunSession:
    """One run's parts, built the same way for `run`, `resume` and `serve`: the model client (secrets
    resolved, exit 3 before any request), the tools' secrets checked, the knowledge indexes brought up to
    date, and the runner over a journal with the run's tool sources and audit log."""

    workflow: Workflow
    services: RunServices
    client: LLMClient
    replayed: Path | None  # the cassette the model calls are answered from, if any
    knowledge: KnowledgeService | None

    @classmethod
    def prepare(
        cls,
        services: RunServices,
        *,
        replay: Path | None = None,
        record: Path | None = None,
        on_auto_replay: Callable[[list[str], Path], None] | None = None,
        on_retry: Callable[[RetryNotice], None] | None = None,
        on_knowledge: Callable[[BuildReport], None] | None = None,
        loading: AbstractContextManager[object] | None = None,
        workers: int | None = None,
    ) -> RunSession:
        """`loading` wraps the slow part (importing LiteLLM) so a front end can show that it is busy;
        `workers`: processes for model calls (None: by the workflow's fan-out, see `build_model_client`)."""
        workflow = services.workflow
        with loading if loading is not None else nullcontext():
            client, replayed = build_model_client(
                workflow,
                replay=replay,
                record=record,
                on_auto_replay=on_auto_replay,
                secrets=services.secrets,
                on_retry=on_retry,
                workers=workers,
            )
        services.check_tool_secrets()
        knowledge = prepared_knowledge(workflow, replay=replayed, record=record, on_report=on_knowledge)
        return cls(workflow, services, client, replayed, knowledge)

    def runner(
        self,
        journal: Journal,
        emit: Callable[[Event], None],
        *,
        announce: Callable[[str], None] | None = None,
        stdin_reader: Callable[[], str] | None = None,
        stream: bool = False,
        output: OutputSink | None = None,
        rerun_interrupted_tools: bool = False,
    ) -> Runner:
        from aixgo_cli.engine.runner import Runner

        runner = Runner(
            journal,
            self.client,
            emit,
            stdin_reader=stdin_reader,
            stream=stream,
            rerun_interrupted_tools=rerun_interrupted_tools,
            output=output,
            tool_sources=self.services.tool_sources,
            audit=self.services.audit_for,
            knowledge=self.knowledge,
        )
        runner.announced = announce
        return runner


def run_exit_code(outcome: RunOutcome) -> ExitCode:
    """How a run ended, as the exit code every front end reports (the CLI exits with it; serve sends it)."""
    return exit_code_for(outcome.status, outcome.error)


def prepared_knowledge(
    workflow: Workflow,
    *,
    replay: Path | None,
    record: Path | None,
    on_report: Callable[[BuildReport], None] | None = None,
) -> KnowledgeService | None:
    """The workflow's knowledge indexes, brought up to date (or refused: `on_stale: refuse`) before the run."""
    from aixgo_cli.providers.errors import ProviderError

    knowledge = build_knowledge(workflow, replay=replay, record=record)
    if knowledge is not None:
        try:
            reports = knowledge.prepare()
        except ProviderError as exc:  # no run exists yet: there is nothing to resume
            raise RunError(
                f"building the knowledge index failed: {exc.message}",
                hint=f"what was embedded is kept; continue with: aixgo index build {workflow.path or 'WORKFLOW'}",
            ) from None
        for report in reports:
            if on_report is not None:
                on_report(report)
    return knowledge
