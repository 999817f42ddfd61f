"""Where a model call goes, in words a user recognises, and whether that place is a local server.

Local servers (Ollama, vLLM, llama.cpp, LM Studio... on this machine) differ from hosted APIs in two ways
that change defaults: they are often slow (a CPU-only model may take minutes for a long reply), and many
serve one request at a time, so a request the client gave up on keeps the server busy until it finishes.
Retrying a timed-out call there only queues the retry behind the abandoned one; so local endpoints get a
longer default timeout and their timeouts are not retried.

Prices follow the endpoint, not the model's name: a local server serving a model called `gpt-4o-mini`
does not cost OpenAI's prices. A call to a custom `api_base` has an unknown price unless its service
declares one (`pricing:`); local runtimes (Ollama, vLLM, LM Studio, llamafile) cost nothing.
"""

from __future__ import annotations

import functools
import ipaddress
from urllib.parse import urlsplit

from aixgo_cli.providers import pricing
from aixgo_cli.providers.model_ref import LOCAL_PREFIXES, ResolvedModel

LOCAL_DEFAULT_TIMEOUT_S = 300.0
_DEFAULT_PORTS = {"http": 80, "https": 443}


def endpoint_label(resolved: ResolvedModel) -> str:
    """`HOST:PORT` of the call's endpoint, or the provider's name when LiteLLM picks the endpoint."""
    if not resolved.api_base:
        return f"{resolved.provider}'s API"
    parts = urlsplit(resolved.api_base if "//" in resolved.api_base else "http://" + resolved.api_base)
    try:
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        port = None
    host = parts.hostname or resolved.api_base
    return f"{host}:{port}" if port else host


def is_local(resolved: ResolvedModel) -> bool:
    """A server on this machine: a local runtime's prefix, or an endpoint on a loopback address."""
    if resolved.api_base:
        return _loopback_endpoint(resolved.api_base)
    return resolved.provider in LOCAL_PREFIXES


@functools.lru_cache(maxsize=256)
def _loopback_endpoint(api_base: str) -> bool:
    """Asked for every call (its default timeout): parsed once per endpoint."""
    host = urlsplit(api_base if "//" in api_base else "http://" + api_base).hostname
    if host is None:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def call_cost(resolved: ResolvedModel, prompt_tokens: int, completion_tokens: int) -> tuple[float, bool]:
    """(USD, known) for one call, priced by where it went."""
    if resolved.prices is not None:
        per_in, per_out = resolved.prices
        return prompt_tokens * per_in + completion_tokens * per_out, True
    if resolved.provider in pricing.FREE_PREFIXES:
        return 0.0, True
    if resolved.api_base:
        return 0.0, False  # someone else's server: the public price list says nothing about it
    return pricing.cost_for(resolved.litellm_model, prompt_tokens, completion_tokens)
