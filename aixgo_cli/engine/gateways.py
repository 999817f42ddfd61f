"""Journaled model and tool calls: intent before, result after, and the result reused on resume.

Everything written to the journal passes the secret redaction filter first, requests included: a request
is compared with its journaled form in that masked form. The price is that a replayed reply which had a
secret in it comes back with `***` in its place; the rule that no secret is ever stored wins.

Call keys are `<unit key>/m<n>` and `<unit key>/t<n>`: the n-th model or tool call of a unit. A unit that
was interrupted after its second model call replays calls 1 and 2 from the journal (if the requests are
identical) and sends only call 3. A model call with an intent but no result is simply sent again: it had
no effect beyond cost. A tool call with an intent but no result may have had effects, so it is re-run
only if the tool is declared idempotent (or the user says so with --rerun-interrupted-tools).
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from typing import Any

from aixgo_cli.engine.context import RunContext
from aixgo_cli.engine.screening import ScreeningPolicy
from aixgo_cli.engine.tool_waits import run_within
from aixgo_cli.errors import AixgoError, RunError, RunWaiting, resume_step
from aixgo_cli.events import IncompleteReply, LLMCalled, ToolCalled, event_to_json
from aixgo_cli.providers import send_gate
from aixgo_cli.providers.deadline import bounded
from aixgo_cli.providers.protocol import TokenCallback
from aixgo_cli.providers.types import ChatMessage, ChatRequest, ChatResponse, ToolSpec, Usage
from aixgo_cli.secrets.redaction import redact
from aixgo_cli.store.records import APPROVAL_SUFFIX, journal_json
from aixgo_cli.tools.base import RequestRefused, Tool, ToolCallError
from aixgo_cli.tools.toolbox import canonical_name, parse_arguments, result_text, wire_name


class JournaledModel:
    def __init__(
        self, ctx: RunContext, unit_key: str, instructions: str | None = None, *, incomplete_reply: str = "warn"
    ) -> None:
        self.ctx = ctx
        self.unit_key = unit_key
        self.instructions = instructions
        self.calls = 0
        self.usage = Usage()  # everything this unit's calls cost, replayed ones included
        self.incomplete_reply = incomplete_reply  # the agent's `incomplete_reply`: warn | fail

    def complete(self, request: ChatRequest, *, on_token: TokenCallback | None = None) -> ChatResponse:
        ctx = self.ctx
        if self.instructions:
            request = with_instructions(request, self.instructions)
        self.calls += 1
        call_key = f"{self.unit_key}/m{self.calls}"
        request_json = redact(request.to_json_text())  # journaled and compared in masked form
        recorded = ctx.journal.get_call(ctx.run_id, call_key)
        if recorded is not None and recorded.status == "completed" and recorded.request_json == request_json:
            assert recorded.response_json is not None
            response = ChatResponse.from_json(journal_json(recorded.response_json, "a recorded model reply"))
            self.usage = self.usage + response.usage
            self._emit(request, response, cached=True, duration_ms=0.0)
            self._check_complete(request, response, replayed=True)
            return response
        ctx.check_cancelled()
        ctx.budget.check()
        ctx.journal.record_call_intent(ctx.run_id, self.unit_key, call_key, "llm", request_json)
        started = time.perf_counter()
        try:
            # The time limit bounds the call, its retries and waits; a cancelled run cancels the call.
            # ... and the request is sent only while this process still drives the run (`send_gate`).
            with bounded(ctx.budget.deadline(), ctx.cancelled), send_gate.confirmed_by(ctx.confirm_driver):
                if ctx.model_slots is not None:
                    with ctx.model_slots:
                        response = ctx.client.complete(request, on_token=on_token if ctx.stream else None)
                else:
                    response = ctx.client.complete(request, on_token=on_token if ctx.stream else None)
        except AixgoError as exc:
            ctx.journal.fail_call(ctx.run_id, call_key, redact(exc.message))
            raise
        usage = response.usage
        self.usage = self.usage + usage
        ctx.journal.complete_call(
            ctx.run_id,
            call_key,
            redact(response.to_json_text()),
            tokens_in=usage.prompt_tokens,
            tokens_out=usage.completion_tokens,
            cost_usd=usage.cost_usd,
        )
        ctx.budget.add_usage(
            usage.prompt_tokens,
            usage.completion_tokens,
            usage.cost_usd,
            model=request.model,
            cost_known=usage.cost_known,
            tokens_estimated=usage.tokens_estimated,
        )
        self._emit(request, response, cached=False, duration_ms=(time.perf_counter() - started) * 1000)
        self._check_complete(request, response, replayed=False)
        return response

    def _check_complete(self, request: ChatRequest, response: ChatResponse, *, replayed: bool) -> None:
        """A reply cut off by the token limit, or with neither text nor a tool call, is still a reply the
        model gave (the call is recorded as completed); the agent's `incomplete_reply` decides whether the
        step keeps it (with a warning) or fails, resumable after a fix such as a larger max_tokens."""
        if response.finish_reason == "length":
            reason = "cut_off"
        elif not (response.content or "").strip() and not response.tool_calls:
            reason = "empty"
        else:
            return
        fail = self.incomplete_reply == "fail"
        ctx = self.ctx
        notice = IncompleteReply(
            run_id=ctx.run_id,
            at=time.time(),
            unit_key=self.unit_key,
            model=request.model,
            reason=reason,
            max_tokens=request.max_tokens,
            action="failed" if fail else "kept",
        )
        if not replayed:  # a replayed reply was reported when it arrived
            ctx.journal.append_event(ctx.run_id, notice.kind, event_to_json(notice))
        ctx.emit(notice)
        if fail:
            what = (
                f"was cut off by the token limit (max_tokens {request.max_tokens or 'of the provider'})"
                if reason == "cut_off"
                else "was empty (no text and no tool call)"
            )
            raise RunError(
                f"the reply of {request.model} {what}",
                hint="raise max_tokens (or set `incomplete_reply: warn` to keep such replies); then:",
                next_step=resume_step(),
            )

    def _emit(self, request: ChatRequest, response: ChatResponse, *, cached: bool, duration_ms: float) -> None:
        usage = response.usage
        self.ctx.emit(
            LLMCalled(
                run_id=self.ctx.run_id,
                at=time.time(),
                unit_key=self.unit_key,
                model=request.model,
                cached=cached,
                attempts=response.attempts,
                prompt_tokens=usage.prompt_tokens,
                completion_tokens=usage.completion_tokens,
                cost_usd=usage.cost_usd,
                duration_ms=duration_ms,
                cost_known=usage.cost_known,
                tokens_estimated=usage.tokens_estimated,
                finish_reason=response.finish_reason,
                exchange=(request, response),
            )
        )


def with_instructions(request: ChatRequest, instructions: str) -> ChatRequest:
    """The request with a pattern's instructions appended to its system message (one system message
    suits every provider), or a system message of its own when it has none."""
    messages = list(request.messages)
    if messages and messages[0].role == "system":
        first = messages[0]
        messages[0] = replace(first, content=f"{first.content or ''}\n\n{instructions}".lstrip())
    else:
        messages.insert(0, ChatMessage(role="system", content=instructions))
    return replace(request, messages=tuple(messages))


class JournaledTools:
    def __init__(
        self,
        ctx: RunContext,
        unit_key: str,
        tools: dict[str, Tool],
        *,
        require_confirmation: bool = False,
        agent: str = "",
        screening: ScreeningPolicy | None = None,
    ) -> None:
        self.ctx = ctx
        self.unit_key = unit_key
        self.tools = tools
        self.calls = 0
        self.require_confirmation = require_confirmation
        self.agent = agent
        self.screening = screening or ScreeningPolicy()
        self.by_wire = {wire_name(name): name for name in tools}

    def _approval(self, call_key: str, name: str, arguments_json: str) -> str:
        """The human's answer for this call, or pause the run (exit 5) until there is one."""
        ctx = self.ctx
        approval_key = call_key + APPROVAL_SUFFIX
        recorded = ctx.journal.get_call(ctx.run_id, approval_key)
        if recorded is not None and recorded.status == "completed" and recorded.response_json is not None:
            answer: str = journal_json(recorded.response_json, "a recorded answer")["answer"]
            return answer
        question = f"may agent call tool '{name}' with {redact(arguments_json)}?"
        if recorded is None:
            ctx.journal.record_call_intent(
                ctx.run_id,
                self.unit_key,
                approval_key,
                "tool",
                json.dumps({"question": question}, ensure_ascii=False),
            )
        raise RunWaiting(
            f"waiting for an answer: {question}",
            hint="answer with:",
            next_step=resume_step(ctx.run_id, "--answer", "yes", note=" (or --answer no, or a message for the agent)"),
        )

    def _declined(self, call_key: str, request_json: str, name: str, answer: str) -> str:
        result = f"the user declined this call to {name}: {answer}"
        self.ctx.journal.record_call_intent(self.ctx.run_id, self.unit_key, call_key, "tool", request_json)
        self.ctx.journal.complete_call(
            self.ctx.run_id, call_key, redact(json.dumps({"result": result, "ok": False}, ensure_ascii=False))
        )
        self._emit(name, cached=False, ok=False, duration_ms=0.0)
        return result

    def specs(self) -> list[ToolSpec]:
        return [
            ToolSpec(name=wire_name(t.name), description=t.description, parameters=dict(t.schema))
            for t in self.tools.values()
        ]

    def call(self, name: str, arguments_json: str) -> str:
        ctx = self.ctx
        name = self.by_wire.get(name) or canonical_name(name)
        limits = ctx.workflow.limits
        if self.calls >= limits.max_tool_calls_per_step:
            # Not journaled: the refusal follows from the count, which a replay reproduces.
            self._deny(name, f"over the limit of {limits.max_tool_calls_per_step} tool calls per step")
            return (
                f"error: this step has already made {limits.max_tool_calls_per_step} tool calls, its limit "
                "(limits.max_tool_calls_per_step); answer with what you have"
            )
        self.calls += 1
        call_key = f"{self.unit_key}/t{self.calls}"
        request_json = redact(json.dumps({"tool": name, "arguments": arguments_json}, ensure_ascii=False))
        recorded = ctx.journal.get_call(ctx.run_id, call_key)
        tool = self.tools.get(name)
        if recorded is not None and recorded.request_json == request_json:
            if recorded.status == "completed" and recorded.response_json is not None:
                self._emit(name, cached=True, ok=True, duration_ms=0.0)
                text: str = journal_json(recorded.response_json, "a recorded tool result")["result"]
                return text
            if (
                recorded.status == "intent"
                and tool is not None
                and not (tool.idempotent or ctx.rerun_interrupted_tools)
            ):
                raise RunError(
                    f"tool '{name}' was interrupted mid-call in an earlier attempt and is not declared idempotent, "
                    "so it may already have had its effect",
                    hint="check its effect; then mark the tool `idempotent: true`, or resume with:",
                    next_step=resume_step(ctx.run_id, "--rerun-interrupted-tools"),
                )
        ctx.check_cancelled()
        if tool is not None and self.require_confirmation:
            answer = self._approval(call_key, name, arguments_json)
            if not approves(answer):
                return self._declined(call_key, request_json, name, answer)
        ctx.journal.record_call_intent(ctx.run_id, self.unit_key, call_key, "tool", request_json)
        started = time.perf_counter()
        ok = True
        try:
            if tool is None:
                self._deny(name, "not on the agent's tool list")
                raise ToolCallError(f"there is no tool named '{name}'; available: {', '.join(self.tools) or 'none'}")
            arguments = parse_arguments(tool, arguments_json)
            ctx.confirm_driver()  # a paused driver whose run was taken over must not act
            key = f"{ctx.run_id}/{self.unit_key}"
            result = result_text(run_within(name, lambda: tool.run(arguments, key), ctx.budget.deadline()))
        except RequestRefused as exc:
            ctx.audit.record("ssrf_refused", agent=self.agent, unit=self.unit_key, tool=name, reason=str(exc))
            ok, result = False, f"error: {exc}"
        except ToolCallError as exc:
            ok, result = False, f"error: {exc}"
        except AixgoError:
            raise
        except Exception as exc:  # a failing tool is news for the model, not the end of the run
            ok, result = False, f"error: {type(exc).__name__}: {redact(str(exc))}"
        result = capped(result, limits.max_tool_result_bytes)
        if ok:
            result = self.screening.screen_result(self.ctx, self.unit_key, self.agent, name, result)
        ctx.journal.complete_call(
            ctx.run_id, call_key, redact(json.dumps({"result": result, "ok": ok}, ensure_ascii=False))
        )
        duration_ms = (time.perf_counter() - started) * 1000
        ctx.audit.record(
            "tool_call",
            agent=self.agent,
            unit=self.unit_key,
            tool=name,
            arguments=_clipped(arguments_json),
            ok=ok,
            result_bytes=len(result.encode("utf-8")),
            duration_ms=round(duration_ms, 1),
        )
        self._emit(name, cached=False, ok=ok, duration_ms=duration_ms)
        return result

    def _deny(self, name: str, reason: str) -> None:
        self.ctx.audit.record("tool_denied", agent=self.agent, unit=self.unit_key, tool=name, reason=reason)

    def _emit(self, name: str, *, cached: bool, ok: bool, duration_ms: float) -> None:
        self.ctx.emit(
            ToolCalled(
                run_id=self.ctx.run_id,
                at=time.time(),
                unit_key=self.unit_key,
                tool=name,
                cached=cached,
                ok=ok,
                duration_ms=duration_ms,
            )
        )


def capped(text: str, limit: int) -> str:
    """At most `limit` bytes of a tool result, cut on a character boundary, saying what was cut: a huge
    result must not fill the model's context or the journal."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    kept = data[:limit].decode("utf-8", errors="ignore")
    return f"{kept}\n[truncated: {len(data)} bytes, the first {limit} shown (limits.max_tool_result_bytes)]"


def _clipped(text: str, limit: int = 2000) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def approves(answer: str) -> bool:
    return answer.strip().lower() in ("y", "yes", "ok", "approve", "approved", "allow", "true")


def describe_payload(value: Any, limit: int = 120) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    text = redact(" ".join(text.split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"
