"""react: a multi-turn model loop with tools, over provider function calling or a text protocol.

Each model turn is one journaled model call and each tool call one journaled tool call, so a resumed run
replays finished turns from the journal and continues at the first turn that had not completed, without
sending a finished call again or running a finished tool twice. Everything that shapes a request (the
protocol, the screening of the input, the parsing of replies) is a pure function of the input and the
replies, which is what makes that replay exact.

Protocols (`react_config.tool_protocol`): `native` offers the tools through the provider's function
calling and runs every tool call of a turn; `text` teaches the Thought / Action / Observation format in
the system prompt and runs one action per turn (parser: react_text.py). `auto` is `native`: whether a
model can call functions is declared in the workflow (`text`), not probed, because the choice changes
every request and so must not depend on which client layer happens to answer (a cassette replay has no
provider to ask).

Around the loop: the input is screened for prompt injection first (react_screening.py); guided mode
asks after each tool-using turn whether the task is done (react_guided.py); with `structured_output`
the final answer must validate against the schema, and the errors are fed back into the same loop.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from aixgo_cli.agents import react_text as text_protocol
from aixgo_cli.agents.base import Invocation
from aixgo_cli.agents.prompts import chat_request, initial_messages
from aixgo_cli.agents.react_guided import Step, verify
from aixgo_cli.agents.react_screening import FENCE_NOTE, report_markers, report_unlisted_tool, screen_input
from aixgo_cli.agents.structured import DEFAULT_MAX_RETRIES, feedback, reply_problems
from aixgo_cli.config.model import AgentSpec
from aixgo_cli.errors import RunError, resume_step
from aixgo_cli.providers.types import ChatMessage, ChatRequest, ChatResponse

DEFAULT_MAX_ITERATIONS = 8
GUIDED_DEFAULT_MAX_ITERATIONS = 5
FINAL_NOW_NATIVE = "You have enough information. Give your final answer now, without calling a tool."
NO_MORE_TOOLS_NATIVE = "Your tool calls were not run: no more tool calls are allowed."


@dataclass(frozen=True)
class ReactSettings:
    protocol: str  # native | text (auto resolved)
    max_iterations: int
    guided: bool
    schema: Mapping[str, Any] | None
    max_retries: int
    schema_mode: str

    @classmethod
    def of(cls, spec: AgentSpec) -> ReactSettings:
        config, guided = spec.config, spec.guided
        enabled = bool(guided.get("enabled"))
        # react_config.max_iterations wins; guided_config's is the Go aixgo spelling of the same bound.
        limit = config.get("max_iterations") or guided.get("max_iterations")
        structured: Mapping[str, Any] = spec.structured_output or {}
        return cls(
            protocol="text" if config.get("tool_protocol") == "text" else "native",
            max_iterations=int(limit or (GUIDED_DEFAULT_MAX_ITERATIONS if enabled else DEFAULT_MAX_ITERATIONS)),
            guided=enabled,
            schema=structured.get("schema"),
            max_retries=int(structured.get("max_retries", DEFAULT_MAX_RETRIES)),
            schema_mode=str(structured.get("mode", "auto")),
        )


@dataclass(frozen=True)
class _Answer:
    text: str  # the answer itself
    said: str  # the reply as kept in the conversation
    response: ChatResponse  # the reply it came from (finish_reason: was it cut off?)
    max_tokens: int | None = None


def react(invocation: Invocation) -> Any:
    settings = ReactSettings.of(invocation.spec)
    screened, detections = screen_input(invocation)
    return _Loop(screened, settings, fenced=bool(detections)).run()


class _Loop:
    def __init__(self, invocation: Invocation, settings: ReactSettings, *, fenced: bool) -> None:
        self.inv = invocation
        self.settings = settings
        self.tools = invocation.tools.specs()
        self.names = [t.name for t in self.tools]
        self.messages = _with_system(initial_messages(invocation), self._instructions(fenced))
        self.steps: list[Step] = []
        self.final_only = False  # guided mode judged the task done: no more tools
        # A resumed unit replays its earlier invalid answers from the journal; each new attempt of the
        # unit gets another round of retries after them (as in structured.complete_structured).
        rounds = max(1, invocation.attempt)
        self.answer_attempts = (settings.max_retries + 1) * rounds
        self.invalid_answers = 0

    def run(self) -> Any:
        turns, limit = 0, self.settings.max_iterations
        while turns < limit:
            turns += 1
            answer = self._text_turn() if self.settings.protocol == "text" else self._native_turn()
            if answer is None:
                continue
            done, value = self._accept(answer)
            if done:
                return value
            limit += 1  # a structured-output retry is bounded by max_retries, not by max_iterations
        raise RunError(
            f"no answer within {self.settings.max_iterations} turns",  # the unit runner prefixes the agent
            hint="raise react_config.max_iterations, or tighten the prompt; then:",
            next_step=resume_step(),
        )

    # Turns -------------------------------------------------------------------------------------------

    def _native_turn(self) -> _Answer | None:
        request = chat_request(self.inv, self.messages, tools=self.tools, response_schema=self._native_schema())
        if request.response_schema is not None and self.settings.schema_mode == "native":
            request = replace(request, structured_mode="native")
        if self.final_only and self.tools:
            request = replace(request, params={**request.params, "tool_choice": "none"})
        response = self._complete(request)
        if not response.tool_calls:
            content = response.content or ""
            return _Answer(content, content, response, request.max_tokens)
        if self.final_only:
            # Guided mode asked for the final answer only; `tool_choice: none` is a request that a model or
            # server may ignore, so tool calls in the reply are not run. The reply is kept as text only
            # (a tool call left without a result is refused by some providers) and the model asked again.
            self.messages.append(ChatMessage(role="assistant", content=response.content or "(tool calls refused)"))
            self.messages.append(ChatMessage(role="user", content=f"{NO_MORE_TOOLS_NATIVE} {FINAL_NOW_NATIVE}"))
            return None
        self.messages.append(ChatMessage(role="assistant", content=response.content, tool_calls=response.tool_calls))
        per_turn = self.inv.workflow.limits.max_tool_calls_per_turn
        for index, call in enumerate(response.tool_calls):
            if call.name not in self.names:  # the tool gateway refuses it; it is reported as a detection too
                report_unlisted_tool(self.inv, call.name)
            # Every call gets an answer (providers require one per call id); those over the bound are refused.
            result = self.inv.tools.call(call.name, call.arguments_json) if index < per_turn else _over_turn(per_turn)
            self.messages.append(ChatMessage(role="tool", content=result, tool_call_id=call.id, name=call.name))
            self.steps.append(Step(call.name, call.arguments_json, result))
        self._after_tools(FINAL_NOW_NATIVE)
        return None

    def _text_turn(self) -> _Answer | None:
        request = chat_request(self.inv, self.messages)
        response = self._complete(request)
        turn = text_protocol.parse_turn(response.content or "", self.names)
        report_markers(self.inv, "model_output", turn.imitation, action="cut")
        if turn.unlisted and turn.tool is not None:
            report_unlisted_tool(self.inv, turn.tool)
        if turn.kind == "final":
            return _Answer(turn.answer or "", turn.kept, response, request.max_tokens)
        self.messages.append(ChatMessage(role="assistant", content=turn.kept or "(empty reply)"))
        notes = text_protocol.notes(turn)
        if turn.kind == "none":
            self.messages.append(ChatMessage(role="user", content="\n\n".join([text_protocol.REMINDER, *notes])))
            return None
        ran = False
        if self.final_only:
            result = text_protocol.NO_MORE_ACTIONS
        elif turn.error is not None or turn.tool is None or turn.arguments_json is None:
            result = f"error: {turn.error}"
        else:
            result = self.inv.tools.call(turn.tool, turn.arguments_json)
            self.steps.append(Step(turn.tool, turn.arguments_json, result))
            result, found = text_protocol.quote_markers(result)
            report_markers(self.inv, "tool_result", found, action="quoted")
            ran = True
        self.messages.append(ChatMessage(role="user", content=text_protocol.observation(result, notes)))
        if ran:
            self._after_tools(text_protocol.FINAL_NOW)
        return None

    def _complete(self, request: ChatRequest) -> ChatResponse:
        return self.inv.llm.complete(request, on_token=self.inv.on_token)

    def _after_tools(self, final_now: str) -> None:
        if self.settings.guided and not self.final_only and verify(self.inv, self.steps):
            self.final_only = True
            last = self.messages[-1]
            if last.role == "user":  # the text protocol's Observation: one user message, not two in a row
                self.messages[-1] = replace(last, content=f"{last.content}\n\n{final_now}")
            else:
                self.messages.append(ChatMessage(role="user", content=final_now))

    # Answers -----------------------------------------------------------------------------------------

    def _accept(self, answer: _Answer) -> tuple[bool, Any]:
        """(True, output) for an answer that stands; (False, None) after feeding back what is wrong."""
        schema = self.settings.schema
        if schema is None:
            return True, answer.text
        data, problems = reply_problems(answer.response, schema, answer.max_tokens, answer.text)
        if not problems:
            return True, data
        self.invalid_answers += 1
        if self.invalid_answers >= self.answer_attempts:
            raise RunError(  # the unit runner prefixes "agent '<name>' failed: "
                f"the model's final answer did not match the expected JSON shape after {self.invalid_answers} "
                f"attempts: {'; '.join(problems[:5])}",
                hint="raise structured_output.max_retries, simplify the schema or choose a stronger model; then:",
                next_step=resume_step(),
            )
        self.messages.append(ChatMessage(role="assistant", content=answer.said or "(empty reply)"))
        self.messages.append(ChatMessage(role="user", content=self._schema_feedback(problems)))
        return False, None

    def _schema_feedback(self, problems: Sequence[str]) -> str:
        if self.settings.protocol != "text":
            return feedback(problems)
        listed = "\n".join(f"- {p}" for p in problems[:10])
        return (
            f"Your Final Answer did not match the required JSON Schema:\n{listed}\n"
            "Reply again with Final Answer: followed by only the corrected JSON."
        )

    def _native_schema(self) -> dict[str, Any] | None:
        """The provider's JSON mode only for a tool-less agent: it would also constrain tool-using turns."""
        schema = self.settings.schema
        if schema is None or self.tools or self.settings.schema_mode == "prompt":
            return None
        return dict(schema)

    def _instructions(self, fenced: bool) -> list[str]:
        parts = []
        if self.settings.protocol == "text":
            parts.append(text_protocol.instructions(self.tools))
        if self.settings.schema is not None:
            parts.append(_schema_instructions(self.settings.schema, text=self.settings.protocol == "text"))
        if fenced:
            parts.append(FENCE_NOTE)
        return parts


def _over_turn(limit: int) -> str:
    return (
        f"error: not run: at most {limit} tool calls are run per reply (limits.max_tool_calls_per_turn); "
        "ask for the rest in your next reply"
    )


def _schema_instructions(schema: Mapping[str, Any], *, text: bool) -> str:
    where = "Your Final Answer must be" if text else "Your final answer must be"
    return (
        f"{where} a single JSON value that matches this JSON Schema, and nothing else "
        "(no prose, no code fences):\n" + json.dumps(dict(schema), ensure_ascii=False, sort_keys=True)
    )


def _with_system(messages: list[ChatMessage], parts: Sequence[str]) -> list[ChatMessage]:
    """Append `parts` to the system message (one system message suits every provider)."""
    if not parts:
        return messages
    extra = "\n\n".join(parts)
    if messages and messages[0].role == "system":
        return [replace(messages[0], content=f"{(messages[0].content or '').rstrip()}\n\n{extra}"), *messages[1:]]
    return [ChatMessage(role="system", content=extra), *messages]
