"""LiteLLM's replies and exceptions, turned into aixgo's: a `ChatResponse`, or a `ProviderError` /
`ConfigurationError` with the key (in every spelling the injected `scrub` knows) redacted from every word
copied out of LiteLLM. The litellm module is passed in: only `litellm_client` imports it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from aixgo_cli.errors import ConfigurationError, resume_step
from aixgo_cli.providers.endpoints import call_cost
from aixgo_cli.providers.errors import ProviderError
from aixgo_cli.providers.failures import malformed_reply, provider_words, transport_failure
from aixgo_cli.providers.model_ref import ResolvedModel
from aixgo_cli.providers.retry import parse_retry_after
from aixgo_cli.providers.structured_forms import STRUCTURED_TOOL
from aixgo_cli.providers.types import ChatResponse, ToolCall, Usage

# What a keyless endpoint receives as its key: not a secret, and no provider would accept it.
KEYLESS_PLACEHOLDER = "no-key"
_MAX_MESSAGE_CHARS = 600


def redact(text: str, secret: str | None) -> str:
    if secret and len(secret) >= 4:
        text = text.replace(secret, "***")
    return text


def server_sent_usage(stream: Any) -> bool:
    """Whether the server's stream carried token counts. LiteLLM adds a usage chunk of its own at the end
    of every stream (estimated with a tokenizer when the server sent none, as many local servers do); the
    chunks it kept from the server show which case this was. Unknown (an older LiteLLM): assume sent."""
    kept = getattr(stream, "chunks", None)
    if not isinstance(kept, list):
        return True
    return any(getattr(chunk, "usage", None) is not None for chunk in kept)


def estimated_usage(litellm: Any, raw: Any, kwargs: dict[str, Any]) -> tuple[int, int] | None:
    """(prompt, completion) tokens counted here when a reply carries no usage (some local servers send
    none, and LiteLLM then reports zeros, which budgets would take as free); None when it has usage."""
    usage = getattr(raw, "usage", None)
    if getattr(usage, "prompt_tokens", 0) or getattr(usage, "completion_tokens", 0):
        return None
    try:
        message = raw.choices[0].message
        text = (message.content or "") + "".join(
            str(call.function.arguments or "") for call in (getattr(message, "tool_calls", None) or [])
        )
        prompt = litellm.token_counter(model=kwargs["model"], messages=kwargs["messages"])
        completion = litellm.token_counter(model=kwargs["model"], text=text) if text else 0
    except Exception:  # counting is best effort: without it the reply still stands, with zero counts
        return None
    return int(prompt), int(completion)


def to_response(
    raw: Any,
    resolved: ResolvedModel,
    *,
    tokens_estimated: bool = False,
    structured_tool: bool = False,
    estimate: tuple[int, int] | None = None,
) -> ChatResponse:
    choices = getattr(raw, "choices", None) or []
    if not choices:
        raise ProviderError(
            f"{resolved.litellm_model}: the reply has no choices",
            kind="malformed",
            retryable=True,
            model=resolved.litellm_model,
        )
    choice = choices[0]
    message = choice.message
    tool_calls = tuple(
        ToolCall(
            id=str(call.id or f"call_{index}"),
            name=str(call.function.name),
            arguments_json=str(call.function.arguments or ""),
        )
        for index, call in enumerate(getattr(message, "tool_calls", None) or [])
    )
    content = message.content
    if structured_tool and len(tool_calls) == 1 and tool_calls[0].name == STRUCTURED_TOOL:
        content, tool_calls = tool_calls[0].arguments_json, ()  # structured output sent as a forced tool call
    if tool_calls and not content:
        content = None  # streamed tool calls come back with "" where a plain reply has null
    usage = getattr(raw, "usage", None)
    prompt_tokens = int(getattr(usage, "prompt_tokens", 0) or 0)
    completion_tokens = int(getattr(usage, "completion_tokens", 0) or 0)
    if estimate is not None:
        (prompt_tokens, completion_tokens), tokens_estimated = estimate, True
    cost, known = call_cost(resolved, prompt_tokens, completion_tokens)
    return ChatResponse(
        content=content,
        tool_calls=tool_calls,
        finish_reason=str(choice.finish_reason or "stop"),
        usage=Usage(prompt_tokens, completion_tokens, cost, known, tokens_estimated),
        model=str(getattr(raw, "model", None) or resolved.litellm_model),
    )


def field_of(row: Any, name: str) -> Any:
    """LiteLLM gives embedding rows as dicts or as objects, depending on the provider."""
    return row.get(name) if isinstance(row, dict) else getattr(row, name, None)


def _retry_after(exc: Exception) -> float | None:
    headers = getattr(exc, "litellm_response_headers", None)
    if headers is None:
        headers = getattr(getattr(exc, "response", None), "headers", None)
    if not headers:
        return None
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000.0)
        except ValueError:
            pass
    return parse_retry_after(headers.get("retry-after"), time.time())


def _classify(litellm: Any, exc: Exception) -> tuple[str, bool]:
    """(kind, retryable) for a litellm exception; authentication is handled by the caller."""
    status = getattr(exc, "status_code", None)
    if isinstance(exc, litellm.RateLimitError) or status == 429:
        return "rate_limit", True
    if isinstance(exc, litellm.Timeout):
        return "timeout", True
    if isinstance(exc, litellm.ContextWindowExceededError):
        return "context_window", False
    if isinstance(exc, litellm.APIConnectionError):
        return "connection", True
    # litellm reports a 200 reply whose body is not JSON as an InternalServerError; only the text tells.
    if "Expecting value" in str(exc) or "JSONDecodeError" in str(exc):
        return "malformed", True
    if isinstance(exc, litellm.InternalServerError | litellm.ServiceUnavailableError | litellm.BadGatewayError):
        return "server", True
    if isinstance(status, int) and status >= 500:
        return "server", True
    if isinstance(exc, litellm.BadRequestError | litellm.NotFoundError | litellm.UnprocessableEntityError):
        return "bad_request", False
    return "unexpected", False


# LiteLLM repeats its class names in front of the provider's words ("litellm.InternalServerError:
# InternalServerError: OpenAIException - ..."); the user needs the provider's words and the status.
# LiteLLM's wrapping of a provider's message: "litellm.XError: XError: OpenAIException - ..." on the SDK
# path, "...: Hosted_vllmException: ..." on LiteLLM's own HTTP path.
_LITELLM_PREFIX = re.compile(r"^(?:litellm\.\w+:\s*|\w+Error:\s*)*(?:\w+Exception\s*[-:]\s*)?")


def map_error(
    litellm: Any,
    exc: Exception,
    resolved: ResolvedModel,
    api_key: str | None,
    timeout_s: float | None = None,
    scrub: Callable[[str], str] | None = None,
) -> Exception:
    """Our error for a litellm exception, with the key (in every spelling `scrub` knows) redacted from
    every copied word."""
    model = resolved.litellm_model
    text = redact(str(exc), api_key if api_key != KEYLESS_PLACEHOLDER else None)
    detail = provider_words(_LITELLM_PREFIX.sub("", (scrub(text) if scrub is not None else text).strip()))
    if len(detail) > _MAX_MESSAGE_CHARS:
        detail = detail[:_MAX_MESSAGE_CHARS] + "..."
    status = getattr(exc, "status_code", None)
    if isinstance(exc, litellm.AuthenticationError | litellm.PermissionDeniedError) or status in (401, 403):
        name = resolved.api_key_secret_name
        if name:
            return ConfigurationError(
                f"{model}: the provider rejected the key in secret {name} (HTTP {status}): {detail}",
                hint=f"Store a valid key with: aixgo secrets set {name}",
            )
        where = f"model service '{resolved.service_name}'" if resolved.service_name else model
        return ConfigurationError(
            f"{model}: the provider refused the request as unauthorized (HTTP {status}) and {where} "
            f"names no key secret: {detail}",
            hint="Add api_key_secret to the model_services entry, then: aixgo secrets set NAME",
        )
    transport = transport_failure(litellm, exc, resolved, timeout_s)
    if transport is not None:
        kind, words, retryable = transport
        hint, next_step = None, None
        if not retryable:
            hint, next_step = "Check the model service's api_base (or the provider's address), then:", resume_step()
        return ProviderError(
            redact(f"{model}: {words}", api_key),
            kind=kind,
            retryable=retryable,
            model=model,
            hint=hint,
            next_step=next_step,
        )
    kind, retryable = _classify(litellm, exc)
    if kind == "malformed":
        # LiteLLM reports an answer it could not parse as HTTP 500 with its wrapper's class names; the
        # server answered, but not with JSON.
        detail, status = malformed_reply(detail, resolved), None
    elif kind == "unexpected":
        detail = f"{type(exc).__name__}: {detail}"
    elif isinstance(status, int):
        detail = f"HTTP {status}: {detail}"
    return ProviderError(
        f"{model}: {detail}",
        kind=kind,
        retryable=retryable,
        model=model,
        status_code=status if isinstance(status, int) else None,
        retry_after_s=_retry_after(exc) if retryable else None,
    )
