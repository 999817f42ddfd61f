"""Limits on a run (steps, tokens, money, wall time) checked before every unit and every model call.

Usage already spent (read from the journal when a run resumes) counts against the limits, so resuming
with the same budget pauses again at once; `aixgo resume RUN_ID --budget-usd N` raises it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from aixgo_cli.errors import RunPaused, resume_step
from aixgo_cli.providers.deadline import Deadline


@dataclass(frozen=True)
class Budget:
    max_steps: int | None = None
    max_tokens: int | None = None
    max_cost_usd: float | None = None
    timeout_s: float | None = None

    def overridden(
        self,
        *,
        max_steps: int | None = None,
        max_tokens: int | None = None,
        max_cost_usd: float | None = None,
        timeout_s: float | None = None,
    ) -> Budget:
        """This budget with every limit that is given replaced."""
        return Budget(
            max_steps if max_steps is not None else self.max_steps,
            max_tokens if max_tokens is not None else self.max_tokens,
            max_cost_usd if max_cost_usd is not None else self.max_cost_usd,
            timeout_s if timeout_s is not None else self.timeout_s,
        )


@dataclass
class Spent:
    steps: int = 0  # steps run by this invocation
    cached_steps: int = 0  # steps replayed from the journal by this invocation
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    unknown_cost_models: frozenset[str] = frozenset()
    estimated_token_models: frozenset[str] = frozenset()  # models whose servers sent no token counts
    earlier_steps: int = 0  # steps run by earlier invocations of a resumed run: they count against max_steps

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class BudgetTracker:
    def __init__(self, budget: Budget, spent: Spent, run_id: str, *, clock: float | None = None) -> None:
        self.budget = budget
        self.spent = spent
        self.run_id = run_id
        self._lock = threading.Lock()
        self._started = time.monotonic() if clock is None else clock

    def add_step(self, *, cached: bool) -> None:
        with self._lock:
            if cached:
                self.spent.cached_steps += 1
            else:
                self.spent.steps += 1

    def begin_step(self) -> None:
        """Check the limits for one more step and count it, as one operation: two lanes cannot both take
        the last step allowed."""
        with self._lock:
            self.check(starting_step=True)
            self.spent.steps += 1

    def add_usage(
        self,
        prompt_tokens: int,
        completion_tokens: int,
        cost_usd: float,
        *,
        model: str,
        cost_known: bool,
        tokens_estimated: bool = False,
    ) -> None:
        with self._lock:
            self.spent.prompt_tokens += prompt_tokens
            self.spent.completion_tokens += completion_tokens
            self.spent.cost_usd += cost_usd
            if not cost_known:
                self.spent.unknown_cost_models = self.spent.unknown_cost_models | {model}
            if tokens_estimated:
                self.spent.estimated_token_models = self.spent.estimated_token_models | {model}

    def deadline(self) -> Deadline | None:
        """The time limit as a deadline for model calls (None without a time limit)."""
        if self.budget.timeout_s is None:
            return None
        return Deadline(self._started + self.budget.timeout_s, self.time_limit_reached)

    def time_limit_reached(self) -> RunPaused:
        timeout = self.budget.timeout_s
        return self._paused((f"the time limit ({timeout:g} s) is reached", f"--timeout {timeout:g}s"))

    def _paused(self, reason: tuple[str, str]) -> RunPaused:
        return RunPaused(
            f"paused: {reason[0]}",
            hint="continue with a new limit:",
            next_step=resume_step(self.run_id, *reason[1].split()),
        )

    def check(self, *, starting_step: bool = False) -> None:
        """Raise RunPaused (exit 4) if a limit is reached; `starting_step` counts the step about to start."""
        budget, spent = self.budget, self.spent
        reason = None
        run_steps = spent.earlier_steps + spent.steps + (1 if starting_step else 0)
        if budget.max_steps is not None and run_steps > budget.max_steps:
            reason = f"the step limit ({budget.max_steps}) is reached", f"--max-steps {budget.max_steps * 2}"
        elif budget.max_tokens is not None and spent.tokens >= budget.max_tokens:
            reason = f"the token limit ({budget.max_tokens:,}) is reached", f"--max-tokens {budget.max_tokens * 2}"
        elif budget.max_cost_usd is not None and spent.cost_usd >= budget.max_cost_usd:
            reason = (
                f"the budget (${budget.max_cost_usd:.4f}) is reached (spent ${spent.cost_usd:.4f})",
                f"--budget-usd {budget.max_cost_usd * 2:g}",
            )
        elif budget.timeout_s is not None and time.monotonic() - self._started >= budget.timeout_s:
            reason = f"the time limit ({budget.timeout_s:g} s) is reached", f"--timeout {budget.timeout_s:g}s"
        if reason:
            raise self._paused(reason)
