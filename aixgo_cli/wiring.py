"""The composition root: the one place that picks concrete parts (journal file, model client, secret
sources) and hands them to the engine, which sees only protocols."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from aixgo_cli.config.model import Workflow
from aixgo_cli.errors import ConfigurationError, UserError
from aixgo_cli.paths import default_db_path
from aixgo_cli.providers.model_ref import ModelResolver
from aixgo_cli.providers.protocol import LLMClient
from aixgo_cli.providers.retry import RetryNotice
from aixgo_cli.providers.stack import build_client
from aixgo_cli.secrets.chain import SecretResolver
from aixgo_cli.store.sqlite_journal import SqliteJournal

CASSETTE_SUFFIX = ".cassette.jsonl"


def open_journal(db: Path | None) -> SqliteJournal:
    return SqliteJournal(db if db is not None else default_db_path())


def required_secrets(workflow: Workflow) -> list[str]:
    """Every secret the run's model calls need, known before any network call."""
    resolver = ModelResolver(workflow.model_services.values())
    names: list[str] = []
    for agent in workflow.agents.values():
        if agent.model and agent.role not in {"logger", "producer"}:
            name = resolver.resolve(agent.model).api_key_secret_name
            if name and name not in names:
                names.append(name)
    return names


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
    on_retry: Callable[[RetryNotice], None] | None = None,
) -> tuple[LLMClient, Path | None]:
    """The client for a run, and the cassette it replays (if any).

    Secrets are all resolved here, so a missing one stops the run with exit 3 before any request. A
    shipped example with a recorded cassette beside it replays that cassette when its key is missing.
    """
    if replay is not None:
        if not replay.is_file():
            raise UserError(f"no cassette at {replay}", hint="record one first: aixgo run WORKFLOW --record FILE")
        return build_client(lambda name: "", workflow.model_services.values(), replay_from=replay), replay
    secrets = SecretResolver()
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
        return build_client(lambda name: "", workflow.model_services.values(), replay_from=cassette), cassette
    client = build_client(secrets.resolve, workflow.model_services.values(), record_to=record, on_retry=on_retry)
    return client, None
