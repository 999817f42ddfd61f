"""The planner's model calls: structured replies checked twice, plain text replies, and token counting.

A structured reply is checked first against its JSON Schema (by `complete_structured`, which feeds
schema errors back) and then against what a schema cannot say, such as "a prerequisite must be an
earlier step". Both kinds of problem are fed back the same way and share one budget of attempts,
`structured_output.max_retries` extra attempts (default 2), so a reply costs at most that many calls
whatever went wrong with it; a resumed step gets that budget again after the replayed attempts. Every
attempt is an ordinary journaled call.

All calls go through `Planning.invocation.llm`, which counts the tokens of every reply (retries
included) for the plan's `tokens_used`; replayed calls carry their recorded usage, so a resumed run
reports the same figure.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from aixgo_cli.agents.base import Invocation, ModelGateway
from aixgo_cli.agents.planner.config import PlannerConfig
from aixgo_cli.agents.planner.schemas import Schema, plan_schema
from aixgo_cli.agents.planner.structure import Draft, draft_of, prerequisite_problems
from aixgo_cli.agents.prompts import chat_request
from aixgo_cli.agents.structured import DEFAULT_MAX_RETRIES, complete_structured
from aixgo_cli.errors import RunError, resume_step
from aixgo_cli.providers.types import ChatMessage

Check = Callable[[Any], list[str]]


@dataclass
class Planning:
    """One planning job: the invocation (with the planner's model settings), its config and problem."""

    invocation: Invocation
    config: PlannerConfig
    problem: str
    context: str | None
    model: ModelGateway
    tokens_before: int  # what the unit's calls had cost when planning started
    rounds: int = 1

    @classmethod
    def start(cls, invocation: Invocation, config: PlannerConfig, problem: str) -> Planning:
        model = invocation.llm
        context = None
        if invocation.spec.prompt:
            context = invocation.render(invocation.spec.prompt, invocation.template_context())
        # The budget of attempts grows with each attempt of the unit (see `attempts`), so the calls made
        # here see a first attempt: `complete_structured` must not scale the budget a second time.
        rounds = max(1, invocation.attempt)
        tuned = replace(invocation, llm=model, attempt=1)
        return cls(tuned, config, problem, context, model, model.usage.total_tokens, rounds)

    @property
    def tokens(self) -> int:
        """Tokens of the planning calls so far (replayed ones included)."""
        return self.model.usage.total_tokens - self.tokens_before

    @property
    def attempts(self) -> int:
        """Attempts for one reply: max_retries + 1, once more for every retry of the unit. A resumed unit
        replays its earlier attempts from the journal, so each resume asks the model that many times anew,
        continuing the same conversation, instead of replaying the same failure."""
        settings: Mapping[str, Any] = self.invocation.spec.structured_output or {}
        return (int(settings.get("max_retries", DEFAULT_MAX_RETRIES)) + 1) * self.rounds

    def structured(
        self, messages: Sequence[ChatMessage], schema: Schema, *, what: str, check: Check | None = None
    ) -> Any:
        """A reply that matches `schema` and passes `check`, with both kinds of problem fed back."""
        conversation = list(messages)
        used = 0
        while True:
            # Schema problems are retried inside, within what is left of the budget; when that runs out,
            # its RunError (exit 1, resumable) is the step's error.
            reply = complete_structured(
                self.invocation, conversation, schema, max_retries=self.attempts - used - 1, what=what
            )
            used += reply.attempts
            problems = check(reply.data) if check else []
            if not problems:
                return reply.data
            if used >= self.attempts:
                raise self._gave_up(what, "; ".join(problems[:5]))
            conversation.append(ChatMessage(role="assistant", content=reply.response.content or ""))
            conversation.append(ChatMessage(role="user", content=correction(problems)))

    def plan(self, messages: Sequence[ChatMessage], *, what: str = "plan") -> Draft:
        """A whole plan (frame and steps) whose prerequisites form a valid graph."""
        data = self.structured(
            messages, plan_schema(self.config), what=what, check=lambda d: prerequisite_problems(d["steps"])
        )
        return draft_of(data, self.config)

    def text(self, messages: Sequence[ChatMessage]) -> str:
        response = self.invocation.llm.complete(
            chat_request(self.invocation, messages), on_token=self.invocation.on_token
        )
        return response.content or ""

    def _gave_up(self, what: str, detail: str) -> RunError:
        return RunError(
            f"the model's {what} was still not usable after {self.attempts} attempts: {detail}",
            hint="raise structured_output.max_retries, lower max_steps, or choose a stronger model; then:",
            next_step=resume_step(),
        )


def correction(problems: Sequence[str]) -> str:
    listed = "\n".join(f"- {p}" for p in problems[:10])
    return f"Your previous reply has these problems:\n{listed}\nReply again with the corrected JSON only."
