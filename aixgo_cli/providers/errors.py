"""Provider failures, sorted by what the caller should do about them.

* `ProviderError` (a `RunError`, exit 1): the call failed. `retryable` says whether trying again can help
  (429, 5xx, timeouts, connection failures); the retry layer reads it and `retry_after_s`.
* A key the provider rejects is not a `ProviderError` but a `ConfigurationError` (exit 3) that names the
  secret, raised by the adapter: retrying cannot fix it, the user must.

Messages never contain a secret: the adapter redacts the key from anything it copies out of LiteLLM.
"""

from __future__ import annotations

from aixgo_cli.errors import NextStep, RunError, resume_step


class ProviderError(RunError):
    """A model call failed. `kind` is one of: rate_limit, server, timeout, connection, bad_request,
    context_window, malformed, circuit_open, unexpected."""

    def __init__(
        self,
        message: str,
        *,
        kind: str,
        retryable: bool,
        model: str,
        status_code: int | None = None,
        retry_after_s: float | None = None,
        hint: str | None = None,
        next_step: NextStep | None = None,
    ) -> None:
        super().__init__(message, hint=hint, next_step=next_step)
        self.kind = kind
        self.retryable = retryable
        self.model = model
        self.status_code = status_code
        self.retry_after_s = retry_after_s
        self.attempts = 1


class RetriesExhaustedError(ProviderError):
    """Every allowed attempt failed with a retryable error; `last` is the final one."""

    def __init__(self, last: ProviderError, attempts: int) -> None:
        super().__init__(
            f"{last.message} (gave up after {attempts} attempts)",
            kind=last.kind,
            retryable=False,
            model=last.model,
            status_code=last.status_code,
            hint=last.hint or "The provider kept failing. Check its status, then continue with:",
            next_step=last.next_step or resume_step(),
        )
        self.last = last
        self.attempts = attempts


class CircuitOpenError(ProviderError):
    """Calls to a provider are suspended after repeated failures; it fails fast until the reset time."""
