"""One unit of work: one agent on one input, memoised by the journal.

The unit key is `<place>#<definition hash>.<input hash>`: where the unit sits in the flow, what the
agent's configuration is, and what it was given. A key found completed in the journal returns its
recorded output at no cost; that is all `resume` is. Editing an agent changes its definition hash and so
re-runs it, and everything downstream whose input changed with it.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from aixgo_cli.agents.base import Invocation, as_text
from aixgo_cli.agents.logger import rewrite_stdout_line
from aixgo_cli.agents.registry import role_for
from aixgo_cli.config.model import AgentSpec, stable_hash
from aixgo_cli.engine.context import RunContext
from aixgo_cli.engine.gateways import JournaledModel, JournaledTools, describe_payload
from aixgo_cli.engine.screening import ScreeningPolicy
from aixgo_cli.errors import AixgoError, RunError, RunInterrupted, RunPaused, UserError, resume_step
from aixgo_cli.events import StepFailed, StepFinished, StepStarted, Token, event_to_json
from aixgo_cli.knowledge import KNOWLEDGE_TOOL_TYPES
from aixgo_cli.providers.types import ChatMessage, Usage
from aixgo_cli.secrets.redaction import redact
from aixgo_cli.store.records import UnitRecord, journal_json
from aixgo_cli.tools.base import Tool


def unit_key(
    place: str,
    spec: AgentSpec,
    payload: Any,
    upstream: Mapping[str, Any],
    variables: Mapping[str, Any],
    definition_hash: str | None = None,
    instructions: str | None = None,
    history: tuple[ChatMessage, ...] = (),
) -> tuple[str, str]:
    keyed: dict[str, Any] = {"payload": payload, "upstream": dict(upstream), "vars": dict(variables)}
    if instructions:  # only when a pattern gives some, so units outside patterns keep their keys
        keyed["instructions"] = instructions
    if history:  # a session's earlier exchanges are part of what the agent is asked
        keyed["history"] = [[m.role, m.content] for m in history]
    input_hash = stable_hash(keyed)
    definition = definition_hash or spec.definition_hash
    return f"{place}#{definition[:10]}.{input_hash[:10]}", input_hash


def definition_with_tools(spec: AgentSpec, tools: Mapping[str, Tool]) -> str:
    """The agent's definition hash, extended by what only the run knows about its tools (an MCP
    tool's server and input schema); unchanged for agents whose tools are all in the workflow text."""
    identities = sorted((name, dict(t.identity)) for name, t in tools.items() if t.identity is not None)
    return stable_hash([spec.definition_hash, identities]) if identities else spec.definition_hash


@dataclass(frozen=True)
class TemplateNeeds:
    """What of the run's state a prompt can see. Only that goes into the unit's input hash, so a change
    elsewhere does not re-run the unit, and long chains do not hash every earlier output at every step."""

    outputs: frozenset[str] | None  # None: the template uses `outputs` as a whole
    inputs: bool

    @classmethod
    def of(cls, spec: AgentSpec) -> TemplateNeeds:
        return cls(outputs=spec.reads.outputs, inputs=spec.reads.inputs)  # analysed when the workflow loaded

    def select(self, seen: Mapping[str, Any]) -> dict[str, Any]:
        if self.outputs is None:
            return dict(seen)
        return {name: seen[name] for name in self.outputs if name in seen}


class UnitRunner:
    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx
        self._tools: dict[str, dict[str, Tool]] = {}
        self._tools_lock = threading.Lock()
        self._needs: dict[str, TemplateNeeds] = {}

    def tools_for(self, spec: AgentSpec) -> dict[str, Tool]:
        with self._tools_lock:
            if spec.name not in self._tools:
                tools = self.ctx.tool_sources.tools_for(spec)
                # Tool types that need the run's knowledge indexes are built here, above the tool layer.
                definitions = [self.ctx.workflow.tools.get(ref.name) for ref in spec.tools]
                if any(d is not None and d.get("type") in KNOWLEDGE_TOOL_TYPES for d in definitions):
                    from aixgo_cli.knowledge.tool import retrieval_tools

                    tools.update(retrieval_tools(spec, self.ctx.workflow, self.ctx.knowledge, self._charge))
                self._tools[spec.name] = ScreeningPolicy.of(spec).screen_descriptions(self.ctx, spec, tools)
            return self._tools[spec.name]

    def _charge(self, usage: Usage, model: str) -> None:
        """A query embedding made inside a tool call costs like any call (its tool result is journaled)."""
        self.ctx.budget.add_usage(usage.prompt_tokens, 0, usage.cost_usd, model=model, cost_known=usage.cost_known)

    def run(
        self,
        place: str,
        spec: AgentSpec,
        payload: Any,
        upstream: Mapping[str, Any] | None = None,
        sources: Mapping[str, Any] | None = None,
        lane_item: Any = None,
        *,
        instructions: str | None = None,
    ) -> Any:
        """Run (or replay) one unit. `sources` are the outputs of the agent's own data sources when it has
        several (their text is already in `payload`, so they add nothing to the key). `instructions`, from
        the pattern running the agent, are added to the system message of each of its model calls."""
        ctx = self.ctx
        needs = self._needs.get(spec.name)
        if needs is None:
            needs = self._needs[spec.name] = TemplateNeeds.of(spec)
        upstream = needs.select(upstream or {})
        role = role_for(spec.role)
        keyed_payload = payload
        if role.lane == "sink" and spec.config.get("with_item"):
            keyed_payload = {"payload": payload, "lane_item": lane_item}  # the line it writes holds both
        tools = self.tools_for(spec) if role.uses_tools else {}
        definition_hash = definition_with_tools(spec, tools)
        in_session = ctx.session is not None and role.keeps_session
        history = ctx.session.history(spec.name) if ctx.session is not None and in_session else ()
        key, input_hash = unit_key(
            place,
            spec,
            keyed_payload,
            upstream,
            ctx.variables if needs.inputs else {},
            definition_hash,
            instructions,
            history,
        )
        done = ctx.journal.get_completed_unit(ctx.run_id, key)
        if done is not None:
            assert done.output_json is not None
            output = journal_json(done.output_json, f"the output of step {place}")
            if ctx.session is not None and in_session:
                ctx.session.record(spec.name, as_text(payload), as_text(output))
            ctx.budget.add_step(cached=True)
            ctx.emit(
                step_finished(ctx, key, place, spec.name, output, 0.0, done.tokens_in + done.tokens_out, done.cost_usd)
            )
            if role.lane == "sink" and ctx.replay_stdout:
                ctx.wrote_stdout |= rewrite_stdout_line(spec.config, output, lane_item, ctx.output)
            return output
        ctx.check_cancelled()
        screening = ScreeningPolicy.of(spec)
        screening.screen_input(ctx, key, spec, payload)
        ctx.budget.begin_step()
        attempt = ctx.journal.start_unit(
            ctx.run_id, key, place=place, input_hash=input_hash, definition_hash=definition_hash
        )
        # A retried unit replays the calls of earlier attempts; what a failed attempt already added to
        # the unit's usage must not be added again.
        recorded = ctx.journal.get_unit(ctx.run_id, key) if attempt > 1 else None
        ctx.emit(
            StepStarted(run_id=ctx.run_id, at=time.time(), unit_key=key, place=place, agent=spec.name, role=spec.role)
        )
        model = JournaledModel(ctx, key, instructions, incomplete_reply=spec.incomplete_reply)
        started = time.perf_counter()
        invocation = Invocation(
            spec=spec,
            workflow=ctx.workflow,
            payload=payload,
            upstream=upstream,
            variables=ctx.variables,
            llm=model,
            tools=JournaledTools(
                ctx,
                key,
                tools,
                require_confirmation=bool(spec.guided.get("require_confirmation")),
                agent=spec.name,
                screening=screening,
            ),
            render=ctx.templates.render,
            run_input=ctx.run_input,
            stdin_reader=ctx.stdin_reader,
            on_token=(
                lambda text: ctx.emit(Token(run_id=ctx.run_id, at=time.time(), agent=spec.name, text=text, place=place))
            )
            if ctx.stream
            else None,
            idempotency_key=f"{ctx.run_id}/{key}",
            sources=dict(sources or {}),
            history=history,
            attempt=attempt,
            lane_item=lane_item,
            output=ctx.output,
            model_defaults=role.model_defaults,
            notify=lambda event: ctx.emit(replace(event, run_id=ctx.run_id, at=time.time(), unit_key=key)),
        )
        try:
            output = role.run(invocation)
        except (RunPaused, RunInterrupted, KeyboardInterrupt):
            raise  # the unit stays 'started': resume redoes it, replaying its finished calls
        except UserError:
            raise
        except Exception as exc:
            message = redact(exc.message if isinstance(exc, AixgoError) else f"{type(exc).__name__}: {exc}")
            tokens_in, tokens_out, cost = _unrecorded(model.usage, recorded)
            failed = StepFailed(
                run_id=ctx.run_id, at=time.time(), unit_key=key, place=place, agent=spec.name, error=message
            )
            ctx.journal.fail_unit(
                ctx.run_id,
                key,
                message,
                tokens_in=tokens_in,
                tokens_out=tokens_out,
                cost_usd=cost,
                events=[(failed.kind, event_to_json(failed))],
            )
            ctx.emit(failed)
            if isinstance(exc, RunError):
                raise RunError(
                    f"agent '{spec.name}' failed: {message}", hint=exc.hint, next_step=exc.next_step
                ) from exc
            raise RunError(
                f"agent '{spec.name}' failed: {message}",
                hint="fix the cause, then continue with:",
                next_step=resume_step(ctx.run_id),
            ) from exc
        if invocation.wrote_stdout:
            ctx.wrote_stdout = True
        duration_ms = (time.perf_counter() - started) * 1000
        tokens_in, tokens_out, cost = _unrecorded(model.usage, recorded)
        finished = step_finished(
            ctx, key, place, spec.name, output, duration_ms, tokens_in + tokens_out, cost, cached=False
        )
        ctx.journal.complete_unit(
            ctx.run_id,
            key,
            redact(json.dumps(output, ensure_ascii=False)),
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            cost_usd=cost,
            duration_ms=int(duration_ms),
            events=[(finished.kind, event_to_json(finished))],
        )
        ctx.emit(finished)
        if ctx.session is not None and in_session:
            ctx.session.record(spec.name, as_text(payload), as_text(output))
        return output


def step_finished(
    ctx: RunContext,
    key: str,
    place: str,
    agent: str,
    shown: Any,
    duration_ms: float,
    tokens: int,
    cost_usd: float,
    *,
    cached: bool = True,
) -> StepFinished:
    """The event of a unit that finished or was replayed; its preview describes `shown` (the output, or
    what stands for it)."""
    return StepFinished(
        run_id=ctx.run_id,
        at=time.time(),
        unit_key=key,
        place=place,
        agent=agent,
        cached=cached,
        duration_ms=duration_ms,
        tokens=tokens,
        cost_usd=cost_usd,
        preview=describe_payload(shown),
    )


def _unrecorded(usage: Usage, recorded: UnitRecord | None) -> tuple[int, int, float]:
    """The part of a unit's call usage (replayed calls included) not yet on its journal row."""
    if recorded is None:
        return usage.prompt_tokens, usage.completion_tokens, usage.cost_usd
    return (
        max(0, usage.prompt_tokens - recorded.tokens_in),
        max(0, usage.completion_tokens - recorded.tokens_out),
        max(0.0, usage.cost_usd - recorded.cost_usd),
    )
