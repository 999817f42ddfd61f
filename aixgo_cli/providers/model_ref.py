"""Turn an agent's `model` string into what LiteLLM needs: model id, endpoint, secret name, parameters.

An agent names either a LiteLLM model id (`openai/gpt-4o-mini`, `anthropic/...`, `ollama_chat/...`) or a
`model_services` entry. The Go project's services (`runtime: ollama|vllm|cloud`) map onto LiteLLM prefixes
here, and its bare-name provider detection (`claude...` -> anthropic, `gemini...`, `grok...`, Hugging Face
organisation prefixes) is kept so Go workflows resolve to the same provider.

Only secret *names* appear here; values are fetched by the adapter at call time, so a `ResolvedModel` can
be logged, journaled and compared safely. Resolution needs no network and does not import litellm.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aixgo_cli.config.durations import parse_duration
from aixgo_cli.errors import UserError
from aixgo_cli.providers import pricing

# Conventional secret names per LiteLLM prefix; None means the provider needs no key (local servers).
DEFAULT_SECRETS: dict[str, str | None] = {
    "openai": "OPENAI_API_KEY",
    "anthropic": "ANTHROPIC_API_KEY",
    "gemini": "GEMINI_API_KEY",
    "xai": "XAI_API_KEY",
    "huggingface": "HF_TOKEN",
    "mistral": "MISTRAL_API_KEY",
    "groq": "GROQ_API_KEY",
    "deepseek": "DEEPSEEK_API_KEY",
    "openrouter": "OPENROUTER_API_KEY",
    "together_ai": "TOGETHERAI_API_KEY",
    "cohere": "COHERE_API_KEY",
    "ollama": None,
    "ollama_chat": None,
    "hosted_vllm": None,
    "lm_studio": None,
    "llamafile": None,
}
LOCAL_PREFIXES = frozenset(p for p, secret in DEFAULT_SECRETS.items() if secret is None)

# The Go runtime names, and the provider names a `model_services` entry may give.
RUNTIMES: dict[str, tuple[str, str | None]] = {
    "ollama": ("ollama_chat", "http://localhost:11434"),
    "vllm": ("hosted_vllm", "http://localhost:8000/v1"),
    "cloud": ("huggingface", None),
}
PROVIDER_ALIASES = {
    "google": "gemini",
    "ollama": "ollama_chat",
    "vllm": "hosted_vllm",
    "grok": "xai",
    "openai_compatible": "openai",
}

# Go's DetectProvider: Hugging Face organisations, then name prefixes; everything else is OpenAI.
HF_ORGS = ("meta-llama", "mistralai", "tiiuae", "EleutherAI", "bigscience", "facebook", "google", "microsoft")
BARE_NAME_PREFIXES = (("claude", "anthropic"), ("gemini", "gemini"), ("grok", "xai"))


@dataclass(frozen=True)
class RateLimits:
    requests_per_minute: int | None = None
    tokens_per_minute: int | None = None

    @property
    def any(self) -> bool:
        return bool(self.requests_per_minute or self.tokens_per_minute)


@dataclass(frozen=True)
class ResolvedModel:
    litellm_model: str
    api_base: str | None = None
    api_key_secret_name: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    rate_limits: RateLimits = field(default_factory=RateLimits)
    timeout_s: float | None = None
    service_name: str | None = None
    retry: Mapping[str, Any] | None = None  # the service's `retry:` block, if it has one
    prices: tuple[float, float] | None = None  # declared USD per input and output token (`pricing:`)
    structured_output: str | None = None  # json_schema | json_object | tools | none, as the service declares
    tool_choice: str | None = None  # sent with requests that offer tools, when the service sets it

    @property
    def provider(self) -> str:
        return self.litellm_model.split("/", 1)[0]

    @property
    def provider_key(self) -> str:
        """What a circuit breaker is per: the provider, or the endpoint when one is configured."""
        return self.api_base or self.provider


def _is_known_prefix(prefix: str) -> bool:
    return prefix in DEFAULT_SECRETS or prefix in pricing.known_providers()


def resolve_model_id(model: str) -> ResolvedModel:
    """A LiteLLM model id, with Go-style detection for names that have no provider prefix."""
    model = model.strip()
    if not model:
        raise UserError("an agent's model is empty", hint="Set `model:` to e.g. openai/gpt-4o-mini")
    prefix, _, rest = model.partition("/")
    if rest and prefix in HF_ORGS:
        model = "huggingface/" + model
    elif rest and not _is_known_prefix(prefix):
        raise UserError(
            f"model '{model}': '{prefix}' is not a provider LiteLLM knows",
            hint="Use a LiteLLM id such as openai/gpt-4o-mini or huggingface/ORG/MODEL, "
            "or the name of a model_services entry; `aixgo models` lists known models",
        )
    elif not rest:
        detected = next((p for start, p in BARE_NAME_PREFIXES if model.startswith(start)), "openai")
        model = f"{detected}/{model}"
    provider = model.split("/", 1)[0]
    secret = DEFAULT_SECRETS.get(provider, f"{provider.upper()}_API_KEY")
    return ResolvedModel(litellm_model=model, api_key_secret_name=secret)


def resolve_service(service: Mapping[str, Any]) -> ResolvedModel:
    """One `model_services` entry: {name, provider, model, runtime, api_base, api_key_secret, ...}."""
    name = str(service.get("name", ""))
    model = str(service.get("model") or name)
    runtime = service.get("runtime")
    config = service.get("config") or {}
    api_base = service.get("api_base") or config.get("address") or config.get("endpoint")
    if runtime is not None:
        if runtime not in RUNTIMES:
            raise UserError(f"model service '{name}': runtime '{runtime}' is not one of {', '.join(RUNTIMES)}")
        prefix, default_base = RUNTIMES[runtime]
        model = prefix + "/" + model.removeprefix(prefix + "/")
        api_base = api_base or default_base
        resolved = ResolvedModel(model, api_key_secret_name=DEFAULT_SECRETS[prefix])
    elif service.get("provider"):
        provider = str(service["provider"])
        provider = PROVIDER_ALIASES.get(provider, provider)
        already_prefixed = "/" in model and _is_known_prefix(model.split("/", 1)[0])
        if not model.startswith(provider + "/") and not already_prefixed:
            model = f"{provider}/{model}"
        resolved = resolve_model_id(model)
    else:
        resolved = resolve_model_id(model)
    limits = service.get("rate_limit") or {}
    timeout = service.get("timeout")
    # A key goes only where the workflow names it: a service with its own endpoint gets no key unless
    # it names one (`api_key_secret`), never the provider's conventional key, which belongs to the
    # provider's own endpoint. Such a service without a secret is keyless (a local server).
    named = service.get("api_key_secret") or config.get("token_secret")  # `config.token_secret`: the Go form
    secret = named or (None if api_base else resolved.api_key_secret_name)
    return ResolvedModel(
        litellm_model=resolved.litellm_model,
        api_base=str(api_base).rstrip("/") if api_base else None,
        api_key_secret_name=secret,
        params=dict(service.get("parameters") or {}),
        rate_limits=RateLimits(limits.get("requests_per_minute"), limits.get("tokens_per_minute")),
        timeout_s=parse_duration(timeout, f"model service '{name}' timeout") if timeout is not None else None,
        service_name=name or None,
        retry=dict(service["retry"]) if service.get("retry") else None,
        prices=_declared_prices(service.get("pricing")),
        structured_output=service.get("structured_output"),
        tool_choice=service.get("tool_choice"),
    )


def _declared_prices(block: Any) -> tuple[float, float] | None:
    """A service's `pricing: {input_per_million, output_per_million}` as USD per token."""
    if not isinstance(block, Mapping):
        return None
    return float(block["input_per_million"]) / 1e6, float(block["output_per_million"]) / 1e6


class ModelResolver:
    """Resolves model strings against a workflow's `model_services`; cached and thread-safe."""

    def __init__(self, model_services: Iterable[Mapping[str, Any]] = ()) -> None:
        self._services = {str(s.get("name")): s for s in model_services}
        self._cache: dict[str, ResolvedModel] = {}
        self._lock = threading.Lock()

    def resolve(self, model: str) -> ResolvedModel:
        with self._lock:
            cached = self._cache.get(model)
        if cached is not None:
            return cached
        service = self._services.get(model)
        resolved = resolve_service(service) if service is not None else resolve_model_id(model)
        with self._lock:
            self._cache[model] = resolved
        return resolved


def resolve_model(model: str, model_services: Iterable[Mapping[str, Any]] = ()) -> ResolvedModel:
    return ModelResolver(model_services).resolve(model)
