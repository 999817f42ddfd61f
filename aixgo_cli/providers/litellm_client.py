"""The LiteLLM adapter: the only module that imports litellm, and only when a model is first called.

What it guards against (measured, see docs and reference/dependencies.md):
* import cost (~3 s) and import side effects: the import happens lazily, once, under a lock, after
  `LITELLM_LOCAL_MODEL_COST_MAP` (no network fetch of the price map), `LITELLM_MODE=PRODUCTION` (no
  loading of a stray `.env` into our environment) and `LITELLM_LOCAL_ANTHROPIC_BETA_HEADERS`;
* output on our streams: `suppress_debug_info` stops the "Give Feedback" banner, litellm's own log
  handler (which writes records below WARNING to *stdout*) is removed, so stdout carries only results,
  and two warnings litellm triggers in its own types on first streaming use are filtered;
* hidden retries: `num_retries=0` (litellm's retry wrapper) and `max_retries=0` (the OpenAI SDK's two
  silent retries). Exactly one HTTP request per `complete`; `retry.RetryingClient` does the rest;
* secrets: the key is fetched through the injected `get_secret` at call time, passed straight to
  litellm, and removed (with the injected `scrub`, every registered spelling) from any text we copy out
  of a litellm exception. Exceptions are raised `from None` so a traceback cannot show litellm's
  unredacted one. A keyless model gets an explicit placeholder key, so that litellm cannot pick a key
  from the environment and send it to the model's endpoint.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import re
import threading
import time
import warnings
from collections.abc import Callable
from typing import Any

from aixgo_cli.errors import ConfigurationError
from aixgo_cli.providers import deadline, pricing
from aixgo_cli.providers.endpoints import LOCAL_DEFAULT_TIMEOUT_S, call_cost, is_local
from aixgo_cli.providers.errors import ProviderError
from aixgo_cli.providers.failures import malformed_reply, provider_words, transport_failure
from aixgo_cli.providers.model_ref import ModelResolver, ResolvedModel
from aixgo_cli.providers.protocol import TokenCallback
from aixgo_cli.providers.retry import parse_retry_after
from aixgo_cli.providers.structured_forms import STRUCTURED_TOOL, asked_as_tool, structured_form, structured_kwargs
from aixgo_cli.providers.types import ChatRequest, ChatResponse, ToolCall, Usage

DEFAULT_TIMEOUT_S = 60.0
# What a keyless endpoint receives as its key: not a secret, and no provider would accept it.
KEYLESS_PLACEHOLDER = "no-key"
_MAX_MESSAGE_CHARS = 600
_LITELLM_ENV = {
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    "LITELLM_MODE": "PRODUCTION",
    "LITELLM_LOCAL_ANTHROPIC_BETA_HEADERS": "True",
}
_LITELLM_LOGGERS = ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy")

_import_lock = threading.Lock()
_loaded: dict[str, Any] = {}


def load_litellm() -> Any:
    """Import and configure litellm once per process (thread-safe)."""
    with _import_lock:
        if "litellm" not in _loaded:
            for name, value in _LITELLM_ENV.items():
                os.environ.setdefault(name, value)
            # Set before the import: litellm logs at DEBUG while importing, through a handler that
            # writes to stdout, and a --debug root logger must not let those through.
            loggers = [logging.getLogger(name) for name in _LITELLM_LOGGERS]
            for logger in loggers:
                logger.setLevel(logging.WARNING)
            import litellm

            litellm.suppress_debug_info = True
            # `litellm.embedding` turns max_retries=0 into this default (`max_retries or DEFAULT_MAX_RETRIES`),
            # so the OpenAI SDK would retry an embedding twice, unseen; aixgo does the retries itself.
            litellm.DEFAULT_MAX_RETRIES = 0  # type: ignore[attr-defined]
            for logger in loggers:
                for handler in list(logger.handlers):
                    logger.removeHandler(handler)  # our records go to our handlers, on stderr
            # Noise from litellm's own types on first streaming use; a CLI user cannot act on it.
            warnings.filterwarnings("ignore", message=r".*is using the `ReadOnly` qualifier", category=UserWarning)
            warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"litellm(\.|$)")
            _loaded["litellm"] = litellm
        return _loaded["litellm"]


# What LiteLLM imports lazily on its first HTTP call (~0.5-2 s): the OpenAI SDK's resource classes, the
# HTTP transports, LiteLLM's service logger and proxy types. Imported by `warm_up`, before a run's clock
# starts. (A provider's own handler module may still load on its first call; these are the bulk.)
_FIRST_CALL_MODULES = (
    "openai.resources",
    "httpcore",
    "h11",
    "h2.connection",
    "jiter",
    "litellm._service_logger",
    "litellm.proxy._types",
    "litellm.proxy.openai_files_endpoints.common_utils",
    "litellm.llms.litellm_proxy.chat",
    "litellm.llms.openai_like.dynamic_config",
)


def warm_up() -> None:
    """Import LiteLLM and what its first call would import, so no run's time limit, first call or first
    step pays for it. Missing optional modules are skipped: they only cost time, never correctness."""
    load_litellm()
    pricing.load_price_map()  # parsed once per process; the first call's cost would parse it
    for name in _FIRST_CALL_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:
            continue
    # pydantic builds a model's validators on its first instance; a reply builds these.
    with contextlib.suppress(Exception):
        litellm = _loaded["litellm"]
        litellm.ModelResponse(choices=[{"message": {"role": "assistant", "content": ""}}], usage={})


def _quiet_logging() -> Any:
    """Mark the call as internal to LiteLLM, which skips its success-logging pipeline.

    aixgo registers no LiteLLM callbacks and does its own accounting, but every sync `completion()` still
    hands a logging job (payload building, cost calculation) to LiteLLM's background thread. That work,
    ~0.3 ms of CPU per call, then competes for the GIL with the journal write that follows each call.
    `is_internal_call` is the switch LiteLLM itself uses for the calls it makes internally.
    """
    try:
        from litellm._internal_context import is_internal_call
    except ImportError:  # a LiteLLM without the switch: nothing to skip
        return None
    return (is_internal_call, is_internal_call.set(True))


def _restore_logging(token: Any) -> None:
    if token is not None:
        variable, previous = token
        variable.reset(previous)


def redact(text: str, secret: str | None) -> str:
    if secret and len(secret) >= 4:
        text = text.replace(secret, "***")
    return text


class LiteLLMClient:
    """One HTTP request per `complete`, through `litellm.completion`. Thread-safe: holds no per-call state."""

    def __init__(
        self,
        get_secret: Callable[[str], str],
        resolver: ModelResolver | None = None,
        *,
        default_timeout_s: float | None = None,
        scrub: Callable[[str], str] | None = None,
    ) -> None:
        self._get_secret = get_secret
        self._scrub = scrub
        self._resolver = resolver or ModelResolver()
        self._default_timeout_s = default_timeout_s

    def supports_response_schema(self, model: str) -> bool:
        """Whether the provider enforces a JSON Schema itself (else the caller prompts and validates)."""
        litellm = load_litellm()
        return bool(litellm.supports_response_schema(model=self._resolver.resolve(model).litellm_model))

    def complete(self, request: ChatRequest, *, on_token: TokenCallback | None = None) -> ChatResponse:
        resolved = self._resolver.resolve(request.model)
        secret_name = resolved.api_key_secret_name
        # Always an explicit key: given none, LiteLLM and the SDKs below it read OPENAI_API_KEY (and
        # others) from the environment and would send it to whatever endpoint the service names.
        api_key = self._get_secret(secret_name) if secret_name else KEYLESS_PLACEHOLDER
        litellm = load_litellm()
        kwargs = self._kwargs(litellm, request, resolved, api_key, stream=on_token is not None)
        as_tool = asked_as_tool(kwargs)
        if on_token is not None:
            built, estimated = self._stream(litellm, kwargs, on_token, resolved, api_key)
            return _to_response(built, resolved, tokens_estimated=estimated, structured_tool=as_tool)
        failure: Exception | None = None
        token = _quiet_logging()
        try:
            raw = litellm.completion(**kwargs)
        except Exception as exc:
            failure = map_error(litellm, exc, resolved, api_key, kwargs["timeout"], self._scrub)
        finally:
            _restore_logging(token)
        # Raised outside the handler so the unredacted litellm error is not even kept as __context__.
        if failure is not None:
            raise failure
        estimate = _estimated_usage(litellm, raw, kwargs)
        return _to_response(raw, resolved, structured_tool=as_tool, estimate=estimate)

    def _default_timeout(self, resolved: ResolvedModel) -> float:
        """The client's default if one was given; else local servers, often slow (CPU inference), get a
        longer one than hosted APIs."""
        if self._default_timeout_s is not None:
            return self._default_timeout_s
        return LOCAL_DEFAULT_TIMEOUT_S if is_local(resolved) else DEFAULT_TIMEOUT_S

    def embed(self, model: str, texts: list[str], *, timeout_s: float | None = None) -> tuple[list[list[float]], int]:
        """One `litellm.embedding` request for `texts`: (vectors in input order, prompt tokens)."""
        resolved = self._resolver.resolve(model)
        secret_name = resolved.api_key_secret_name
        api_key = self._get_secret(secret_name) if secret_name else None
        litellm = load_litellm()
        kwargs: dict[str, Any] = dict(resolved.params)
        kwargs.update(
            model=resolved.litellm_model,
            input=texts,
            timeout=timeout_s or resolved.timeout_s or self._default_timeout_s,
            num_retries=0,
            max_retries=0,
        )
        if resolved.api_base:
            kwargs["api_base"] = resolved.api_base
        if api_key is not None:
            kwargs["api_key"] = api_key
        failure: Exception | None = None
        token = _quiet_logging()
        try:
            raw = litellm.embedding(**kwargs)
        except Exception as exc:
            failure = map_error(litellm, exc, resolved, api_key)
        finally:
            _restore_logging(token)
        if failure is not None:
            raise failure
        rows = sorted(getattr(raw, "data", None) or [], key=lambda row: int(_field(row, "index") or 0))
        vectors = [[float(x) for x in _field(row, "embedding") or []] for row in rows]
        if len(vectors) != len(texts) or any(not v for v in vectors):
            raise ProviderError(
                f"{resolved.litellm_model}: the embedding reply has {len(vectors)} vectors for {len(texts)} texts",
                kind="malformed",
                retryable=True,
                model=resolved.litellm_model,
            )
        usage = getattr(raw, "usage", None)
        return vectors, int(getattr(usage, "prompt_tokens", 0) or 0)

    def _kwargs(
        self, litellm: Any, request: ChatRequest, resolved: ResolvedModel, api_key: str, *, stream: bool
    ) -> dict[str, Any]:
        kwargs: dict[str, Any] = dict(resolved.params)
        kwargs.update(request.params)
        kwargs.update(
            model=resolved.litellm_model,
            messages=[m.to_openai() for m in request.messages],
            timeout=deadline.cap(request.timeout_s or resolved.timeout_s or self._default_timeout(resolved)),
            num_retries=0,
            max_retries=0,
        )
        if resolved.api_base:
            kwargs["api_base"] = resolved.api_base
        kwargs["api_key"] = api_key
        if request.temperature is not None:
            kwargs["temperature"] = request.temperature
        if request.max_tokens is not None:
            kwargs["max_tokens"] = request.max_tokens
        if request.tools:
            kwargs["tools"] = [t.to_openai() for t in request.tools]
            if resolved.tool_choice and "tool_choice" not in kwargs:  # an agent's own choice (final-only) wins
                kwargs["tool_choice"] = resolved.tool_choice
        if request.response_schema is not None:
            kwargs.update(structured_kwargs(structured_form(litellm, request, resolved), request))
        if stream:
            kwargs["stream"] = True
            kwargs["stream_options"] = {"include_usage": True}
        return kwargs

    def _stream(
        self,
        litellm: Any,
        kwargs: dict[str, Any],
        on_token: TokenCallback,
        resolved: ResolvedModel,
        api_key: str | None,
    ) -> tuple[Any, bool]:
        """The reply built from the stream, and whether its token counts are LiteLLM's estimate."""
        chunks: list[Any] = []
        iterator: Any = None
        while True:
            # Only litellm's part is mapped to provider errors; the callback's own errors propagate as is.
            failure: Exception | None = None
            try:
                if iterator is None:
                    iterator = iter(litellm.completion(**kwargs))
                chunk = next(iterator)
            except StopIteration:
                break
            except Exception as exc:
                failure = map_error(litellm, exc, resolved, api_key, kwargs["timeout"], self._scrub)
            if failure is not None:
                raise failure
            chunks.append(chunk)
            choices = getattr(chunk, "choices", None) or []
            text = getattr(getattr(choices[0], "delta", None), "content", None) if choices else None
            if text:
                on_token(text)
        built = litellm.stream_chunk_builder(chunks, messages=kwargs["messages"]) if chunks else None
        if built is None:
            raise ProviderError(
                f"{resolved.litellm_model}: the streamed reply was empty",
                kind="malformed",
                retryable=True,
                model=resolved.litellm_model,
            )
        return built, not _server_sent_usage(iterator)


def _server_sent_usage(stream: Any) -> bool:
    """Whether the server's stream carried token counts. LiteLLM adds a usage chunk of its own at the end
    of every stream (estimated with a tokenizer when the server sent none, as many local servers do); the
    chunks it kept from the server show which case this was. Unknown (an older LiteLLM): assume sent."""
    kept = getattr(stream, "chunks", None)
    if not isinstance(kept, list):
        return True
    return any(getattr(chunk, "usage", None) is not None for chunk in kept)


def _estimated_usage(litellm: Any, raw: Any, kwargs: dict[str, Any]) -> tuple[int, int] | None:
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


def _to_response(
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


def _field(row: Any, name: str) -> Any:
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
_LITELLM_PREFIX = re.compile(r"^(?:litellm\.\w+:\s*)?(?:\w+Error:\s*)?(?:\w+Exception\s*-\s*)?")


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
        hint = None
        if not retryable:
            hint = "Check the model service's api_base (or the provider's address), then: aixgo resume RUN_ID"
        return ProviderError(
            redact(f"{model}: {words}", api_key), kind=kind, retryable=retryable, model=model, hint=hint
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
