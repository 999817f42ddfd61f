"""Run limits given by a caller (the command line, a served request): checked once, merged over a run's
stored limits one way.

A limit is a positive, finite number: `--max-steps 0`, `--budget-usd -1`, `--budget-usd nan` or
`--timeout 0s` can only pause a run at once, so they are refused with exit 2 before anything runs, for
`run` and `resume` alike. `resume` applies every limit it is given (`is not None`, never truthiness, so
no valid value is ignored) and keeps the stored one for every limit it is not given.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from aixgo_cli.errors import UserError

if TYPE_CHECKING:
    from aixgo_cli.engine.runner import RunParams


def _positive_int(value: int | None, flag: str, example: str) -> int | None:
    if value is None or value > 0:
        return value
    raise UserError(f"{flag} {value}: must be a whole number of 1 or more", hint=f"for example: {flag} {example}")


def _positive_amount(value: float | None, flag: str, example: str) -> float | None:
    if value is None or (math.isfinite(value) and value > 0):
        return value
    raise UserError(f"{flag} {value}: must be a finite amount above 0", hint=f"for example: {flag} {example}")


def _positive_duration(text: str | None, flag: str) -> float | None:
    if text is None:
        return None
    from aixgo_cli.config.durations import parse_duration

    seconds = parse_duration(text, flag)
    if math.isfinite(seconds) and seconds > 0:
        return seconds
    raise UserError(f"{flag} {text}: must be a duration above 0", hint=f"for example: {flag} 90s, or {flag} 5m")


@dataclass(frozen=True)
class LimitOverrides:
    """Limits from the command line; None means "not given"."""

    max_steps: int | None = None
    max_tokens: int | None = None
    max_cost_usd: float | None = None
    timeout_s: float | None = None
    concurrency: int | None = None

    @classmethod
    def from_options(
        cls,
        *,
        max_steps: int | None,
        max_tokens: int | None,
        budget_usd: float | None,
        timeout: str | None,
        concurrency: int | None = None,
    ) -> LimitOverrides:
        """Check every option; the first invalid one raises a UserError (exit 2)."""
        return cls(
            max_steps=_positive_int(max_steps, "--max-steps", "50"),
            max_tokens=_positive_int(max_tokens, "--max-tokens", "20000"),
            max_cost_usd=_positive_amount(budget_usd, "--budget-usd", "0.50"),
            timeout_s=_positive_duration(timeout, "--timeout"),
            concurrency=_positive_int(concurrency, "--concurrency", "4"),
        )

    def over(self, params: RunParams) -> RunParams:
        """`params` with every limit given here replacing the stored one."""
        changes = {
            name: value
            for name, value in (
                ("max_steps", self.max_steps),
                ("max_tokens", self.max_tokens),
                ("max_cost_usd", self.max_cost_usd),
                ("timeout_s", self.timeout_s),
                ("concurrency", self.concurrency),
            )
            if value is not None
        }
        return replace(params, **changes)  # type: ignore[arg-type]

    def capped_by(self, ceiling: LimitOverrides) -> LimitOverrides:
        """These limits, none above the ceiling's; a limit not given here is the ceiling's (a server's
        defaults are the most a request may ask for)."""

        def lower(mine: float | None, most: float | None) -> float | None:
            if mine is None:
                return most
            return mine if most is None else min(mine, most)

        return LimitOverrides(
            max_steps=_as_int(lower(self.max_steps, ceiling.max_steps)),
            max_tokens=_as_int(lower(self.max_tokens, ceiling.max_tokens)),
            max_cost_usd=lower(self.max_cost_usd, ceiling.max_cost_usd),
            timeout_s=lower(self.timeout_s, ceiling.timeout_s),
            concurrency=_as_int(lower(self.concurrency, ceiling.concurrency)),
        )


def _as_int(value: float | None) -> int | None:
    return None if value is None else int(value)
