"""Failures where nothing answered: a refused connection, a failed DNS lookup, a client timeout.

LiteLLM reports them with made-up HTTP statuses (a refused connection as HTTP 500, a client timeout as
HTTP 408) behind its own class names; the user needs to know that nothing answered, and where. The
cause is found by walking the exception chain (LiteLLM wraps the OpenAI SDK, which wraps httpx, which
wraps the socket error). The litellm module is passed in: only `litellm_client` imports it.
"""

from __future__ import annotations

import json
import re
import socket
from typing import Any

from aixgo_cli.providers.endpoints import endpoint_label
from aixgo_cli.providers.model_ref import ResolvedModel


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and its causes, outermost first (LiteLLM wraps the OpenAI SDK, which wraps httpx)."""
    seen: list[BaseException] = []
    link: BaseException | None = exc
    while link is not None and all(link is not s for s in seen):
        seen.append(link)
        link = link.__cause__ or link.__context__
    return seen


_DNS_WORDS = (
    "Name or service not known",
    "nodename nor servname",
    "Temporary failure in name resolution",
    "getaddrinfo failed",
    "No address associated with hostname",
)
_TIMEOUT_CLASSES = {"Timeout", "APITimeoutError", "ReadTimeout", "ConnectTimeout", "WriteTimeout", "PoolTimeout"}


def transport_failure(
    litellm: Any, exc: Exception, resolved: ResolvedModel, timeout_s: float | None
) -> tuple[str, str, bool] | None:
    """(kind, message, retryable) when the request got no HTTP answer at all; None otherwise.

    LiteLLM reports these with made-up statuses (a refused connection as HTTP 500, a client timeout as
    HTTP 408); the user needs to know that nothing answered, and where."""
    where = endpoint_label(resolved)
    chain = _chain(exc)
    for link in chain:
        text = str(link)
        if isinstance(link, socket.gaierror) or any(words in text for words in _DNS_WORDS):
            # Not transient: a wrong or missing address does not fix itself between retries.
            return "connection", f"cannot resolve the address of {where} (DNS lookup failed)", False
        if isinstance(link, ConnectionRefusedError) or "Connection refused" in text:
            return "connection", f"connection refused by {where} (is the server running?)", True
    if isinstance(exc, litellm.Timeout) or any(type(link).__name__ in _TIMEOUT_CLASSES for link in chain):
        after = f" after {timeout_s:g} s" if timeout_s else ""
        return "timeout", f"timed out{after} waiting for {where}", True
    if isinstance(exc, litellm.APIConnectionError) or any(type(link).__name__ == "ConnectError" for link in chain):
        root = str(chain[-1]).strip() or type(chain[-1]).__name__
        return "connection", f"the connection to {where} failed: {root}", True
    return None


def provider_words(detail: str) -> str:
    """The provider's own message when the detail is (or ends with) its JSON error body."""
    start = detail.find("{")
    if start == -1:
        return detail
    try:
        body = json.loads(detail[start:])
    except ValueError:
        return detail
    error = body.get("error", body) if isinstance(body, dict) else None
    message = error.get("message") if isinstance(error, dict) else error if isinstance(error, str) else None
    if not isinstance(message, str) or not message.strip():
        return detail
    prefix = detail[:start].strip().rstrip("-:").strip()
    return f"{prefix}: {message.strip()}" if prefix else message.strip()


_JSON_ERROR = re.compile(
    r"(Expecting [^()]*?\(char \d+\)|Unterminated [^()]*?\(char \d+\)|Extra data[^()]*?\(char \d+\))"
)


def malformed_reply(detail: str, resolved: ResolvedModel) -> str:
    """An answer that is not JSON, said as such (what LiteLLM calls HTTP 500 was a 200 with a bad body)."""
    found = _JSON_ERROR.search(detail)
    why = f" ({found.group(1)})" if found else ""
    return f"the reply from {endpoint_label(resolved)} is not valid JSON{why}"
