"""Embedding calls, through the same machinery as chat calls: retries, circuit breaker, rate limits.

A knowledge index embeds its chunks in batches. Each batch is one request; it waits for the model's
rate limits (requests per minute, and tokens per minute estimated from the text length), is refused
while the provider's circuit is open, and is retried with backoff (honouring Retry-After) on 429, 5xx
and timeouts, exactly as a chat call would be. Costs come from the same offline price map.

A replaying client answers from embedding lines of a cassette; a recording client appends them (see
`providers.cassette`), so a shipped example that needs embeddings still runs offline.
"""

from __future__ import annotations

import hashlib
import json
import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from aixgo_cli.errors import RunError, UserError
from aixgo_cli.providers import pricing
from aixgo_cli.providers.cassette import CASSETTE_VERSION
from aixgo_cli.providers.circuit_breaker import UNHEALTHY_KINDS, CircuitBreaker
from aixgo_cli.providers.errors import ProviderError, RetriesExhaustedError
from aixgo_cli.providers.model_ref import ModelResolver
from aixgo_cli.providers.rate_limit import ModelRateLimiter
from aixgo_cli.providers.retry import RetryPolicy, backoff_delay
from aixgo_cli.providers.types import Usage


@dataclass(frozen=True)
class Embeddings:
    vectors: list[list[float]]
    usage: Usage
    attempts: int = 1


class EmbeddingClient(Protocol):
    def embed(self, model: str, texts: list[str]) -> Embeddings:
        """Vectors for `texts`, in order; raises `ProviderError` / `ConfigurationError` like `complete`."""
        ...


class RawEmbedder(Protocol):
    def embed(
        self, model: str, texts: list[str], *, timeout_s: float | None = None
    ) -> tuple[list[list[float]], int]: ...


class ResilientEmbeddingClient:
    """Rate limits, a circuit breaker per provider and retries around a raw embedder. Thread-safe."""

    def __init__(
        self,
        inner: RawEmbedder,
        resolver: ModelResolver,
        *,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self._inner = inner
        self._resolver = resolver
        self._policy = policy or RetryPolicy()
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()
        self._limiters: dict[str, ModelRateLimiter] = {}
        self._breakers: dict[str, CircuitBreaker] = {}

    def _policy_for(self, model: str) -> RetryPolicy:
        return self._policy.overridden(self._resolver.resolve(model).retry)

    def embed(self, model: str, texts: list[str]) -> Embeddings:
        resolved = self._resolver.resolve(model)
        policy = self._policy_for(model)
        limiter = None
        if resolved.rate_limits.any:
            limiter = self._limiters.setdefault(model, ModelRateLimiter(resolved.rate_limits, clock=self._clock))
        breaker = self._breakers.setdefault(resolved.provider_key, CircuitBreaker(resolved.provider_key))
        estimate = sum(len(t) for t in texts) // 4 + 1
        attempt = 0
        while True:
            attempt += 1
            if limiter is not None:
                wait = limiter.acquire(estimate)
                if wait > 0:
                    self._sleep(wait)
            breaker.before_call(model)
            try:
                vectors, tokens = self._inner.embed(model, texts, timeout_s=resolved.timeout_s)
            except ProviderError as exc:
                if limiter is not None:
                    limiter.settle(estimate, 0)
                if exc.kind in UNHEALTHY_KINDS:
                    breaker.record_failure()
                else:
                    breaker.record_success()
                exc.attempts = attempt
                if not exc.retryable:
                    raise
                if attempt >= policy.max_attempts:
                    raise RetriesExhaustedError(exc, attempt) from None
                delay = (
                    exc.retry_after_s if exc.retry_after_s is not None else backoff_delay(policy, attempt, self._rng)
                )
                self._sleep(min(delay, policy.max_retry_after_s))
                continue
            except BaseException:
                breaker.release_probe()
                raise
            breaker.record_success()
            if limiter is not None:
                limiter.settle(estimate, tokens)
            cost, known = pricing.cost_for(resolved.litellm_model, tokens, 0)
            return Embeddings(vectors, Usage(tokens, 0, cost, known), attempt)


def build_embedding_client(
    get_secret: Callable[[str], str],
    model_services: Iterable[Mapping[str, Any]] = (),
    *,
    policy: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> EmbeddingClient:
    from aixgo_cli.providers.litellm_client import LiteLLMClient

    resolver = ModelResolver(model_services)
    return ResilientEmbeddingClient(LiteLLMClient(get_secret, resolver), resolver, policy=policy, sleep=sleep)


def embedding_key(model: str, texts: list[str]) -> str:
    canonical = json.dumps({"kind": "embedding", "model": model, "input": texts}, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


class RecordingEmbeddingClient:
    """Passes embedding requests on and appends each answer to a cassette, beside the chat calls.

    A line holds the model, the number of texts and the vectors, keyed by a hash of the texts: never the
    endpoint or a key. Lines are appended whole, one write each, so chat and embedding recordings can
    share the file.
    """

    def __init__(self, inner: EmbeddingClient, path: Path) -> None:
        self._inner = inner
        self._path = Path(path)
        self._lock = threading.Lock()

    def embed(self, model: str, texts: list[str]) -> Embeddings:
        result = self._inner.embed(model, texts)
        line = {
            "kind": "embedding",
            "key": embedding_key(model, texts),
            "request": {"model": model, "texts": len(texts)},
            "response": {"vectors": result.vectors, "usage": result.usage.to_json()},
        }
        with self._lock:
            is_new = not self._path.exists() or self._path.stat().st_size == 0
            with self._path.open("a", encoding="utf-8") as file:
                file.write(
                    (json.dumps({"cassette_version": CASSETTE_VERSION}) + "\n" if is_new else "")
                    + json.dumps(line, ensure_ascii=False)
                    + "\n"
                )
        return result


class ReplayingEmbeddingClient:
    """Answers embedding requests from a cassette only; a request it does not hold is an error."""

    def __init__(self, path: Path) -> None:
        self._path = Path(path)
        self._answers: dict[str, Embeddings] = {}
        try:
            lines = self._path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise UserError(f"cannot read cassette {self._path}: {exc.strerror or exc}") from None
        for line in lines:
            entry = json.loads(line) if line.strip() else {}
            if isinstance(entry, dict) and entry.get("kind") == "embedding":
                response = entry["response"]
                usage = Usage.from_json(response["usage"])
                self._answers[str(entry["key"])] = Embeddings(response["vectors"], replace(usage, cost_usd=0.0))

    def embed(self, model: str, texts: list[str]) -> Embeddings:
        found = self._answers.get(embedding_key(model, texts))
        if found is None:
            raise RunError(
                f"cassette {self._path} has no recorded embeddings for {len(texts)} text(s) from {model} "
                f"(first: '{texts[0][:60]}')",
                hint="the documents, the query or the chunking changed since recording; record again with: "
                "aixgo run WORKFLOW --record FILE",
            )
        return found
