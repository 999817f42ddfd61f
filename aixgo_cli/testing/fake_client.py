"""An in-process scripted `LLMClient` for tests about the engine rather than the provider layer.

It answers like the HTTP stub server (by default `"stub: "` + the last user message or tool result, token
counts from text length) so a test can move between the two without changing expectations. Replies are taken FIFO from a
script; an item may be text, a full `ChatResponse`, an exception to raise, or a function of the request.
Rules (regex on the last user message) give order-independent answers for parallel fan-out.
Thread-safe, like every `LLMClient`.
"""

from __future__ import annotations

import re
import threading
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

from aixgo_cli.providers.protocol import TokenCallback
from aixgo_cli.providers.types import ChatRequest, ChatResponse, Usage
from aixgo_cli.testing.stub_replies import count_tokens

Reply = str | ChatResponse | BaseException | Callable[[ChatRequest], "str | ChatResponse"]


def text_response(request: ChatRequest, content: str) -> ChatResponse:
    prompt = count_tokens("".join(m.content or "" for m in request.messages))
    usage = Usage(prompt, count_tokens(content), 0.0, True)
    return ChatResponse(content=content, usage=usage, model=request.model)


class ScriptedClient:
    def __init__(self, script: Iterable[Reply] = (), *, rules: Sequence[tuple[str, Reply]] = ()) -> None:
        self._script: deque[Reply] = deque(script)
        self._rules = [(re.compile(pattern), reply) for pattern, reply in rules]
        self._lock = threading.Lock()
        self.requests: list[ChatRequest] = []

    def add(self, *replies: Reply) -> None:
        with self._lock:
            self._script.extend(replies)

    def complete(self, request: ChatRequest, *, on_token: TokenCallback | None = None) -> ChatResponse:
        with self._lock:
            self.requests.append(request)
            reply = self._script.popleft() if self._script else self._rule_reply(request)
        if isinstance(reply, BaseException):
            raise reply
        if callable(reply):
            reply = reply(request)
        response = text_response(request, reply) if isinstance(reply, str) else replace(reply, attempts=1)
        if on_token is not None and response.content:
            on_token(response.content)
        return response

    def _rule_reply(self, request: ChatRequest) -> Reply:
        text = request.last_user_text()
        for pattern, reply in self._rules:
            if pattern.search(text):
                return reply
        last_input = next((m for m in reversed(request.messages) if m.role in ("user", "tool")), None)
        return "stub: " + (last_input.content or "" if last_input else "")
