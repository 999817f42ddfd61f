"""react: a multi-turn model loop with native tool calling.

Each turn is one journaled model call; each tool call is one journaled tool call. A resumed run therefore
replays finished turns from the journal and continues at the first turn that had not completed, without
sending any finished call again.
"""

from __future__ import annotations

from aixgo_cli.agents.base import Invocation
from aixgo_cli.agents.prompts import chat_request, initial_messages
from aixgo_cli.errors import RunError
from aixgo_cli.providers.types import ChatMessage

DEFAULT_MAX_ITERATIONS = 8


def react(invocation: Invocation) -> str:
    spec = invocation.spec
    limit = int(spec.config.get("max_iterations") or spec.guided.get("max_iterations") or DEFAULT_MAX_ITERATIONS)
    messages = initial_messages(invocation)
    tools = invocation.tools.specs()
    for _ in range(limit):
        response = invocation.llm.complete(
            chat_request(invocation, messages, tools=tools), on_token=invocation.on_token
        )
        if not response.tool_calls:
            return response.content or ""
        messages.append(ChatMessage(role="assistant", content=response.content, tool_calls=response.tool_calls))
        for call in response.tool_calls:
            result = invocation.tools.call(call.name, call.arguments_json)
            messages.append(ChatMessage(role="tool", content=result, tool_call_id=call.id, name=call.name))
    raise RunError(
        f"no answer within {limit} turns",  # the unit runner prefixes "agent '<name>' failed: "
        hint="raise react_config.max_iterations, or tighten the prompt; then: aixgo resume RUN_ID",
    )
