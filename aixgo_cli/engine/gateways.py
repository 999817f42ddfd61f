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
from typing import Any

from aixgo_cli.engine.context import RunContext
from aixgo_cli.errors import AixgoError, RunError, RunWaiting
from aixgo_cli.events import LLMCalled, ToolCalled
from aixgo_cli.providers.protocol import TokenCallback
from aixgo_cli.providers.types import ChatRequest, ChatResponse, ToolSpec, Usage
from aixgo_cli.secrets.redaction import redact
from aixgo_cli.tools.toolbox import Tool, ToolCallError, parse_arguments, result_text


class JournaledModel:
    def __init__(self, ctx: RunContext, unit_key: str) -> None:
        self.ctx = ctx
        self.unit_key = unit_key
        self.calls = 0
        self.usage = Usage()  # everything this unit's calls cost, replayed ones included

    def complete(self, request: ChatRequest, *, on_token: TokenCallback | None = None) -> ChatResponse:
        ctx = self.ctx
        self.calls += 1
        call_key = f"{self.unit_key}/m{self.calls}"
        request_json = redact(request.to_json_text())  # journaled and compared in masked form
        recorded = ctx.journal.get_call(ctx.run_id, call_key)
        if recorded is not None and recorded.status == "completed" and recorded.request_json == request_json:
            assert recorded.response_json is not None
            response = ChatResponse.from_json(json.loads(recorded.response_json))
            self.usage = self.usage + response.usage
            self._emit(request, response, cached=True, duration_ms=0.0)
            return response
        ctx.check_cancelled()
        ctx.budget.check()
        ctx.journal.record_call_intent(ctx.run_id, self.unit_key, call_key, "llm", request_json)
        started = time.perf_counter()
        try:
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
        )
        self._emit(request, response, cached=False, duration_ms=(time.perf_counter() - started) * 1000)
        return response

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
                finish_reason=response.finish_reason,
            )
        )


class JournaledTools:
    def __init__(
        self, ctx: RunContext, unit_key: str, tools: dict[str, Tool], *, require_confirmation: bool = False
    ) -> None:
        self.ctx = ctx
        self.unit_key = unit_key
        self.tools = tools
        self.calls = 0
        self.require_confirmation = require_confirmation

    def _approval(self, call_key: str, name: str, arguments_json: str) -> str:
        """The human's answer for this call, or pause the run (exit 5) until there is one."""
        ctx = self.ctx
        approval_key = call_key + APPROVAL_SUFFIX
        recorded = ctx.journal.get_call(ctx.run_id, approval_key)
        if recorded is not None and recorded.status == "completed" and recorded.response_json is not None:
            answer: str = json.loads(recorded.response_json)["answer"]
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
            hint=f"answer with: aixgo resume {ctx.run_id} --answer yes (or --answer no, or a message for the agent)",
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
        return [ToolSpec(name=t.name, description=t.description, parameters=t.schema) for t in self.tools.values()]

    def call(self, name: str, arguments_json: str) -> str:
        ctx = self.ctx
        self.calls += 1
        call_key = f"{self.unit_key}/t{self.calls}"
        request_json = redact(json.dumps({"tool": name, "arguments": arguments_json}, ensure_ascii=False))
        recorded = ctx.journal.get_call(ctx.run_id, call_key)
        tool = self.tools.get(name)
        if recorded is not None and recorded.request_json == request_json:
            if recorded.status == "completed" and recorded.response_json is not None:
                self._emit(name, cached=True, ok=True, duration_ms=0.0)
                text: str = json.loads(recorded.response_json)["result"]
                return text
            if (
                recorded.status == "intent"
                and tool is not None
                and not (tool.idempotent or ctx.rerun_interrupted_tools)
            ):
                raise RunError(
                    f"tool '{name}' was interrupted mid-call in an earlier attempt and is not declared idempotent, "
                    "so it may already have had its effect",
                    hint=f"check its effect; then mark the tool `idempotent: true`, or resume with: aixgo resume "
                    f"{ctx.run_id} --rerun-interrupted-tools",
                )
        ctx.check_cancelled()
        if self.require_confirmation:
            answer = self._approval(call_key, name, arguments_json)
            if not approves(answer):
                return self._declined(call_key, request_json, name, answer)
        ctx.journal.record_call_intent(ctx.run_id, self.unit_key, call_key, "tool", request_json)
        started = time.perf_counter()
        ok = True
        try:
            if tool is None:
                raise ToolCallError(f"there is no tool named '{name}'; available: {', '.join(self.tools) or 'none'}")
            arguments = parse_arguments(tool, arguments_json)
            result = result_text(tool.run(arguments, f"{ctx.run_id}/{self.unit_key}"))
        except ToolCallError as exc:
            ok, result = False, f"error: {exc}"
        except AixgoError:
            raise
        except Exception as exc:  # a failing tool is news for the model, not the end of the run
            ok, result = False, f"error: {type(exc).__name__}: {redact(str(exc))}"
        ctx.journal.complete_call(
            ctx.run_id, call_key, redact(json.dumps({"result": result, "ok": ok}, ensure_ascii=False))
        )
        self._emit(name, cached=False, ok=ok, duration_ms=(time.perf_counter() - started) * 1000)
        return result

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


APPROVAL_SUFFIX = "/approval"


def approves(answer: str) -> bool:
    return answer.strip().lower() in ("y", "yes", "ok", "approve", "approved", "allow", "true")


def describe_payload(value: Any, limit: int = 120) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    text = redact(" ".join(text.split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"
