"""parallel: every member gets the same input at once; the result maps member names to outputs.

`aggregation`: `all` (default) returns every success and fails only if every member failed; `any`
returns the first success in member order; `majority` needs more than half to succeed. Choosing by member
order rather than by finishing time keeps the result, and so the journal memo, deterministic.
`fail_fast` stops at the first failure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aixgo_cli.errors import RunError
from aixgo_cli.patterns.base import Call, Flow, Members, PatternDef, first_error, member_place


@dataclass(frozen=True)
class ParallelConfig:
    concurrency_limit: int | None = None
    aggregation: str = "all"
    fail_fast: bool = False

    @classmethod
    def read(cls, raw: Mapping[str, Any]) -> ParallelConfig:
        return cls(raw.get("concurrency_limit"), str(raw.get("aggregation", "all")), bool(raw.get("fail_fast", False)))


def run_parallel(
    flow: Flow[ParallelConfig], payload: Any, place: str, members: Members, seen: Mapping[str, Any]
) -> Any:
    config = flow.config
    limit = config.concurrency_limit or len(flow.members) or 1
    calls = [Call(m, payload, member_place(place, i, m)) for i, m in enumerate(flow.members)]
    outcomes = members.run_many(calls, limit, seen, fail_fast=config.fail_fast)
    successes = [o for o in outcomes if o.ok]
    failures = [o for o in outcomes if not o.ok]
    if failures and (config.fail_fast or not successes):
        raise first_error(failures)
    if config.aggregation == "any":
        return successes[0].value
    if config.aggregation == "majority" and len(successes) * 2 <= len(outcomes):
        raise RunError(
            f"flow '{flow.name}': only {len(successes)} of {len(outcomes)} members succeeded, not a majority",
            hint=str(first_error(failures)),
        )
    return {o.member: o.value for o in successes}


PARALLEL = PatternDef(ParallelConfig.read, run_parallel)
