"""The LiteLLM adapter: the only module that imports litellm, and only when a model is first called.

What it guards against (measured, see docs and reference/dependencies.md):
* import cost (~3 s) and import side effects: the import happens lazily, once, under a lock, with
  LiteLLM's switches against network fetches and `.env` loading set only for the import
  (`litellm_env`); per-call work aixgo does not use is cut right after it (`litellm_cuts`);
* output on our streams: `suppress_debug_info` stops the "Give Feedback" banner, litellm's own log
  handler (which writes records below WARNING to *stdout*) is removed, so stdout carries only results,
  and two warnings litellm triggers in its own types on first streaming use are filtered;
* hidden retries: `num_retries=0` (litellm's retry wrapper) and `max_retries=0` (the OpenAI SDK's two
  silent retries). Exactly one HTTP request per `complete`; `retry.RetryingClient` does the rest;
* threads and connections: the request itself is `litellm.acompletion` on an event loop (this process's,
  see `event_loop`, or a worker process's, see `workers`), where LiteLLM's pooled clients reuse their
  connections; the caller's thread only prepares it and waits;
* secrets: the key is fetched through the injected `get_secret` at call time, passed straight to
  litellm, and removed (with the injected `scrub`, every registered spelling) from any text we copy out
  of a litellm exception (`litellm_replies`). Exceptions are raised `from None` so a traceback cannot
  show litellm's unredacted one. A keyless model gets an explicit placeholder key, so that litellm cannot
  pick a key from the environment and send it to the model's endpoint.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import threading
import warnings
from collections.abc import Callable
from typing import Any

from aixgo_cli.providers import deadline, pricing, send_gate
from aixgo_cli.providers.endpoints import LOCAL_DEFAULT_TIMEOUT_S, is_local
from aixgo_cli.providers.errors import ProviderError
from aixgo_cli.providers.event_loop import TokenSink
from aixgo_cli.providers.litellm_cuts import apply_cuts
from aixgo_cli.providers.litellm_env import litellm_import_environment
from aixgo_cli.providers.litellm_replies import (
    KEYLESS_PLACEHOLDER,
    estimated_usage,
    field_of,
    map_error,
    redact,
    server_sent_usage,
    to_response,
)
from aixgo_cli.providers.model_call import CallRunner, InProcessCalls, ModelCall
from aixgo_cli.providers.model_ref import ModelResolver, ResolvedModel
from aixgo_cli.providers.protocol import TokenCallback
from aixgo_cli.providers.structured_forms import asked_as_tool, structured_form, structured_kwargs
from aixgo_cli.providers.types import ChatRequest, ChatResponse
from aixgo_cli.providers.workers import start_workers

__all__ = ["KEYLESS_PLACEHOLDER", "LiteLLMClient", "load_litellm", "map_error", "redact", "warm_up"]

DEFAULT_TIMEOUT_S = 60.0
_LITELLM_LOGGERS = ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy")

_import_lock = threading.Lock()
_loaded: dict[str, Any] = {}


def load_litellm() -> Any:
    """Import and configure litellm once per process (thread-safe)."""
    with _import_lock:
        if "litellm" not in _loaded:
            # Set before the import: litellm logs at DEBUG while importing, through a handler that
            # writes to stdout, and a --debug root logger must not let those through.
            loggers = [logging.getLogger(name) for name in _LITELLM_LOGGERS]
            for logger in loggers:
                logger.setLevel(logging.WARNING)
            with litellm_import_environment():
                import litellm

                # Read on an Anthropic model's first call, not at import: loaded now, while the switch
                # that keeps it local is still set.
                from litellm.anthropic_beta_headers_manager import _load_beta_headers_config

                _load_beta_headers_config()

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
            # A call cancelled (Ctrl-C, the time limit) while LiteLLM's setup ran in its executor leaves
            # the provider coroutine that setup built unawaited; Python reports it when it is collected.
            # Nothing was sent and the call is journaled as not done, so the line is noise to a user.
            warnings.filterwarnings(
                "ignore", message=r"coroutine '\w+\.\w*[Cc]ompletion\w*' was never awaited", category=RuntimeWarning
            )
            apply_cuts(litellm)
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
    `acompletion` likewise skips its logging tasks on the loop. Inside a coroutine the switch is set in
    the task's own context, so it never leaks to other calls.
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


def wire_model(resolved: ResolvedModel, *, with_tools: bool) -> str:
    """The model string LiteLLM is called with: the resolved one, except for a request without tools to an
    OpenAI-protocol server on this machine, which goes through LiteLLM's `hosted_vllm/` path instead of
    the OpenAI SDK: the same request body and the same reply (`tests/providers/test_providers_wire_path.py`
    compares both, errors included) for ~0.8 ms less CPU per call (1.60 against 2.38 ms at 300
    concurrent calls, 8 paired rounds). Not for requests with tools (that path strips
    `additionalProperties` and `strict` from tool schemas) nor for remote servers (the SDK path maps
    parameters for OpenAI's own model families, which a proxy may serve)."""
    model = resolved.litellm_model
    if with_tools or resolved.provider != "openai" or not resolved.api_base or not is_local(resolved):
        return model
    return "hosted_vllm/" + model.split("/", 1)[1]


class LiteLLMClient:
    """One HTTP request per `complete`, through `litellm.acompletion` on an event loop. Thread-safe: holds
    no per-call state. Requests run on this process's event loop, or with `workers` > 1 in that many
    worker processes forked here (after LiteLLM's import), or wherever `calls` says."""

    def __init__(
        self,
        get_secret: Callable[[str], str],
        resolver: ModelResolver | None = None,
        *,
        default_timeout_s: float | None = None,
        scrub: Callable[[str], str] | None = None,
        workers: int = 1,
        calls: CallRunner | None = None,
    ) -> None:
        self._get_secret = get_secret
        self._scrub = scrub
        self._resolver = resolver or ModelResolver()
        self._default_timeout_s = default_timeout_s
        if calls is None:
            calls = start_workers(self.perform, workers, warm_up) if workers > 1 else InProcessCalls(self.perform)
        self._calls = calls

    def close(self) -> None:
        """Stop the worker processes, if any (idempotent)."""
        self._calls.close()

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
        call = ModelCall(kwargs, resolved, api_key, asked_as_tool(kwargs))
        return self._calls.run(call, on_token)

    async def perform(self, call: ModelCall, sink: TokenSink | None) -> ChatResponse:
        """The request itself, on the event loop of whichever process runs it."""
        litellm = load_litellm()
        send_gate.install()
        token = _quiet_logging()  # set in this task's own context
        try:
            if call.streamed:
                built, estimated = await self._stream(litellm, call, sink)
                return to_response(built, call.resolved, tokens_estimated=estimated, structured_tool=call.as_tool)
            failure: Exception | None = None
            try:
                raw = await litellm.acompletion(**call.kwargs)
            except Exception as exc:
                failure = self._mapped(litellm, exc, call)
            # Raised outside the handler so the unredacted litellm error is not even kept as __context__.
            if failure is not None:
                raise failure
            estimate = estimated_usage(litellm, raw, call.kwargs)
            return to_response(raw, call.resolved, structured_tool=call.as_tool, estimate=estimate)
        finally:
            _restore_logging(token)

    def _mapped(self, litellm: Any, exc: Exception, call: ModelCall) -> Exception:
        return map_error(litellm, exc, call.resolved, call.api_key, call.kwargs["timeout"], self._scrub)

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
        rows = sorted(getattr(raw, "data", None) or [], key=lambda row: int(field_of(row, "index") or 0))
        vectors = [[float(x) for x in field_of(row, "embedding") or []] for row in rows]
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
            model=wire_model(resolved, with_tools=bool(request.tools)),
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

    async def _stream(self, litellm: Any, call: ModelCall, sink: TokenSink | None) -> tuple[Any, bool]:
        """The reply built from the stream, and whether its token counts are LiteLLM's estimate."""
        chunks: list[Any] = []
        iterator: Any = None
        while True:
            failure: Exception | None = None
            try:
                if iterator is None:
                    iterator = aiter(await litellm.acompletion(**call.kwargs))
                chunk = await anext(iterator)
            except StopAsyncIteration:
                break
            except Exception as exc:
                failure = self._mapped(litellm, exc, call)
            if failure is not None:
                raise failure
            chunks.append(chunk)
            choices = getattr(chunk, "choices", None) or []
            text = getattr(getattr(choices[0], "delta", None), "content", None) if choices else None
            if text and sink is not None:
                sink(text)  # the waiting caller passes it to on_token, in its own thread
        messages = call.kwargs["messages"]
        # With the stream's logging object, the builder asks it for the price (cut: `litellm_cuts`) instead
        # of pricing the reply through the model map itself.
        logging_obj = getattr(iterator, "logging_obj", None)
        built = litellm.stream_chunk_builder(chunks, messages=messages, logging_obj=logging_obj) if chunks else None
        resolved = call.resolved
        if built is None:
            raise ProviderError(
                f"{resolved.litellm_model}: the streamed reply was empty",
                kind="malformed",
                retryable=True,
                model=resolved.litellm_model,
            )
        return built, not server_sent_usage(iterator)
