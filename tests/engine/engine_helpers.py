"""A harness that drives `Runner` in-process: workflows written to a temporary directory as YAML, loaded
with `load_workflow`, run against a scripted fake client, with every emitted event collected.

`resume` does what `aixgo resume` does (reload the workflow from the path recorded in the run, read the
stored parameters back, apply overrides) without the CLI, so the engine's own resume path is what runs.
Replies are routed by model name (`by_model`) rather than by order wherever lanes or members run
concurrently, so a test never depends on thread timing.
"""

from __future__ import annotations

import json
import textwrap
import uuid
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from aixgo_cli.config.model import Workflow, load_workflow
from aixgo_cli.engine.runner import Runner, RunOutcome, RunParams
from aixgo_cli.events import Event
from aixgo_cli.providers.protocol import LLMClient
from aixgo_cli.providers.types import ChatRequest, ChatResponse, ToolCall, Usage
from aixgo_cli.store.protocol import Journal
from aixgo_cli.store.records import CallRecord, UnitRecord
from aixgo_cli.testing.fake_client import Reply, ScriptedClient, text_response

E = TypeVar("E", bound=Event)
WORKFLOW = "workflow.yaml"


class Harness:
    def __init__(self, root: Path, journal: Journal) -> None:
        self.root = root
        self.journal = journal
        self.events: list[Event] = []
        self.listeners: list[Callable[[Event], None]] = []

    def emit(self, event: Event) -> None:
        self.events.append(event)
        for listener in self.listeners:
            listener(event)

    # Files ------------------------------------------------------------------------------------------

    def write(self, text: str, name: str = WORKFLOW) -> Path:
        """Write a workflow; `@ROOT@` in the text becomes this test's directory."""
        path = self.root / name
        path.write_text(textwrap.dedent(text).replace("@ROOT@", str(self.root)), encoding="utf-8")
        return path

    def load(self, name: str = WORKFLOW) -> Workflow:
        return load_workflow(self.root / name)

    def tool_module(self, source: str) -> str:
        """Write a tool module beside the workflow under a unique name (modules are cached per process)."""
        name = f"engine_tools_{uuid.uuid4().hex[:10]}"
        (self.root / f"{name}.py").write_text(textwrap.dedent(source), encoding="utf-8")
        return name

    # Running ----------------------------------------------------------------------------------------

    def runner(self, client: LLMClient, **options: Any) -> Runner:
        options.setdefault("workspaces", self.root / "workspaces")
        return Runner(self.journal, client, self.emit, **options)

    def start(
        self, client: LLMClient, params: RunParams | None = None, *, name: str = WORKFLOW, **options: Any
    ) -> RunOutcome:
        return self.runner(client, **options).start(self.load(name), params or RunParams())

    def resume(self, run_id: str, client: LLMClient, *, interrupted: bool = True, **overrides: Any) -> RunOutcome:
        """Resume like `aixgo resume`: `overrides` replace stored RunParams fields; Runner options go in
        `runner_options`. With `interrupted`, the run is first marked as a killed process leaves it."""
        options = overrides.pop("runner_options", {})
        if interrupted:
            self.journal.update_run(run_id, status="interrupted")
        run = self.journal.get_run(run_id)
        assert run is not None
        params = replace(RunParams.from_json(run.params_json), **overrides)
        return self.runner(client, **options).resume(run, load_workflow(Path(run.workflow_path)), params)

    # Reading back -----------------------------------------------------------------------------------

    def of(self, kind: type[E]) -> list[E]:
        return [e for e in self.events if isinstance(e, kind)]

    def kinds(self) -> list[str]:
        return [e.kind for e in self.events]

    def units(self, run_id: str) -> dict[str, UnitRecord]:
        """Units by place (places are unique within a run)."""
        units = self.journal.list_units(run_id)
        by_place = {u.place: u for u in units}
        assert len(by_place) == len(units), "two units share a place"
        return by_place

    def calls(self, run_id: str, kind: str | None = None) -> list[CallRecord]:
        return [c for c in self.journal.list_calls(run_id) if kind is None or c.kind == kind]

    def output(self, run_id: str, place: str) -> Any:
        unit = self.units(run_id)[place]
        assert unit.output_json is not None
        return json.loads(unit.output_json)


# Replies ------------------------------------------------------------------------------------------------


def tool_call(name: str, arguments: Mapping[str, Any] | str, call_id: str = "call-1") -> ChatResponse:
    text = arguments if isinstance(arguments, str) else json.dumps(arguments)
    usage = Usage(10, 5, 0.0, True)
    return ChatResponse(
        content=None, tool_calls=(ToolCall(call_id, name, text),), finish_reason="tool_calls", usage=usage
    )


def priced(content: str, *, prompt_tokens: int = 10, completion_tokens: int = 5, cost: float = 0.0) -> ChatResponse:
    return ChatResponse(content=content, usage=Usage(prompt_tokens, completion_tokens, cost, True))


def by_model(
    handlers: Mapping[str, Callable[[ChatRequest], str | ChatResponse] | str | BaseException],
) -> ScriptedClient:
    """A fake client answering each request by its model name; unknown models get the stub's echo.

    A handler is a reply text, an exception to raise, or a function of the request (which may raise).
    """

    def route(request: ChatRequest) -> str | ChatResponse:
        handler = handlers.get(request.model)
        if handler is None:
            last = next((m for m in reversed(request.messages) if m.role in ("user", "tool")), None)
            return text_response(request, "stub: " + (last.content or "" if last else ""))
        if isinstance(handler, BaseException):
            raise handler
        if isinstance(handler, str):
            return handler
        return handler(request)

    reply: Reply = route
    return ScriptedClient(rules=[("", reply)])


def user_text(request: ChatRequest) -> str:
    return request.last_user_text()
