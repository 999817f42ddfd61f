"""Everything one run shares across its units and threads."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aixgo_cli.agents.output import CollectedOutput, OutputSink
from aixgo_cli.config.model import Workflow
from aixgo_cli.engine.budget import BudgetTracker
from aixgo_cli.engine.sessions import RunSession
from aixgo_cli.engine.templates import TemplateRenderer
from aixgo_cli.errors import RunInterrupted, resume_step
from aixgo_cli.events import Event
from aixgo_cli.providers.protocol import LLMClient
from aixgo_cli.security.audit import AuditSink, NoAudit
from aixgo_cli.store.protocol import Journal
from aixgo_cli.tools.sources import ToolSources

if TYPE_CHECKING:  # the knowledge package is imported only by runs that use an index
    from aixgo_cli.knowledge.service import KnowledgeService

# The message of a run stopped from outside: Ctrl-C, SIGTERM, a server stop, or another lane failing.
STOPPED = "stopped before it finished (Ctrl-C, SIGTERM or a failing lane); what completed is journaled"


@dataclass
class RunContext:
    run_id: str
    workflow: Workflow
    journal: Journal
    client: LLMClient
    budget: BudgetTracker
    templates: TemplateRenderer
    emit: Callable[[Event], None]
    variables: Mapping[str, Any]
    run_input: Any
    stdin_reader: Callable[[], str] | None = None
    knowledge: KnowledgeService | None = None  # the workflow's `knowledge:` indexes, when it has any
    stream: bool = False
    rerun_interrupted_tools: bool = False
    model_slots: threading.BoundedSemaphore | None = None
    cancelled: threading.Event = field(default_factory=threading.Event)
    wrote_stdout: bool = False
    output: OutputSink = field(default_factory=CollectedOutput)  # where loggers' lines go
    # On resume, stdout loggers write again the lines of items finished before, so the resumed run's
    # stdout holds the whole result (`run > out; resume > out` loses nothing).
    replay_stdout: bool = False
    tool_sources: ToolSources = field(default_factory=lambda: ToolSources([]))
    audit: AuditSink = field(default_factory=NoAudit)
    workspace: Path | None = None  # the run's own directory for file tools (workspaces/RUN_ID)
    session: RunSession | None = None  # the conversation session the run is part of

    def confirm_driver(self) -> None:
        """Raise `LeaseLost` if another process has taken this run over (this one was paused past its
        lease): asked just before a request or a tool call leaves, which no journal write would catch."""
        self.journal.confirm_lease(self.run_id)

    def check_cancelled(self) -> None:
        if self.cancelled.is_set():
            raise RunInterrupted(STOPPED, hint="continue with:", next_step=resume_step(self.run_id))
