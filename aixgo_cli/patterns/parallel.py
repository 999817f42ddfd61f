"""parallel: every member gets the same input at once; the result maps member names to outputs.

`aggregation`: `all` (default) returns every success and fails only if every member failed; `any`
returns the first success in member order; `majority` needs more than half to succeed. Choosing by member
order rather than by finishing time keeps the result, and so the journal memo, deterministic.
`fail_fast` stops at the first failure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aixgo_cli.config.model import FlowSpec
from aixgo_cli.errors import RunError
from aixgo_cli.patterns.base import Members, Outcome, member_place


def run_parallel(flow: FlowSpec, payload: Any, place: str, members: Members, seen: Mapping[str, Any]) -> Any:
    config = flow.config
    limit = int(config.get("concurrency_limit") or len(flow.members) or 1)
    calls = [(m, payload, member_place(place, i, m)) for i, m in enumerate(flow.members)]
    outcomes = members.run_many(calls, limit, seen, fail_fast=bool(config.get("fail_fast", False)))
    successes = [o for o in outcomes if o.ok]
    failures = [o for o in outcomes if not o.ok]
    mode = config.get("aggregation", "all")
    if failures and (config.get("fail_fast") or not successes):
        raise _first_error(failures)
    if mode == "any":
        return successes[0].value
    if mode == "majority" and len(successes) * 2 <= len(outcomes):
        raise RunError(
            f"flow '{flow.name}': only {len(successes)} of {len(outcomes)} members succeeded, not a majority",
            hint=str(_first_error(failures)),
        )
    return {o.member: o.value for o in successes}


def _first_error(failures: list[Outcome]) -> BaseException:
    error = failures[0].error
    assert error is not None
    return error
