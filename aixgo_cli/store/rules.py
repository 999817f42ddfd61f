"""Rules both journal implementations share, so they refuse the same things with the same words.

The contract suite runs against both; anything that decides behaviour (a message, a rounding, a limit)
lives here once rather than twice.
"""

from __future__ import annotations

from collections.abc import Sequence

from aixgo_cli.errors import UserError
from aixgo_cli.store.records import Keep, RunRecord, check_json, journal_damaged

FIND_LIMIT = 10
"""How many candidates an ambiguous prefix lists."""


def no_such_run(run_id: str) -> UserError:
    return UserError(f"no run with id {run_id!r} in this journal", hint="aixgo runs list")


def check_prefix(prefix: str) -> str:
    prefix = prefix.strip()
    if not prefix:
        raise UserError("a run id (or the start of one) is required", hint="aixgo runs list")
    return prefix


def pick_one(prefix: str, matches: Sequence[RunRecord]) -> RunRecord:
    """`matches` holds up to FIND_LIMIT + 1 runs whose id starts with `prefix`, in id order."""
    if not matches:
        raise UserError(f"no run id starts with {prefix!r}", hint="aixgo runs list")
    if len(matches) == 1:
        return matches[0]
    shown = ", ".join(run.run_id for run in matches[:FIND_LIMIT])
    more = " and more" if len(matches) > FIND_LIMIT else ""
    raise UserError(
        f"run id prefix {prefix!r} is ambiguous: it matches {shown}{more}",
        hint="give more characters of the run id (aixgo runs list shows them)",
    )


def lease_in_use(run_id: str, owner: str) -> UserError:
    return UserError(
        f"run {run_id} is being driven by another process ({owner})",
        hint="wait for that process to finish or stop it first; delete anyway with --force",
    )


def check_ttl(ttl_s: float) -> None:
    if not ttl_s > 0:
        raise ValueError(f"lease ttl must be positive, got {ttl_s}")


def check_usage(tokens_in: int, tokens_out: int, cost_usd: float) -> None:
    if tokens_in < 0 or tokens_out < 0 or not cost_usd >= 0:
        raise ValueError(f"usage cannot be negative: {tokens_in}, {tokens_out}, {cost_usd}")


def check_event(kind: str, payload_json: str) -> None:
    if not kind:
        raise ValueError("an event needs a kind")
    check_json("payload_json", payload_json)


def elapsed_ms(started_at: float, now: float) -> int:
    """Whole milliseconds from start to now, never negative (wall clocks can step backwards).

    The SQLite journal computes the same figure in SQL: MAX(0, CAST((now - started_at) * 1000 + 0.5
    AS INTEGER)).
    """
    return max(0, int((now - started_at) * 1000 + 0.5))


def not_started(what: str, key: str, status: str | None) -> ValueError:
    if status is None:
        return ValueError(f"{what} {key!r} was never started")
    return ValueError(f"{what} {key!r} is {status}, not in progress")


def check_result_items(result_json: object, result_items: int | None) -> None:
    """A run's result is either one JSON text or a count of stored items, never both at once."""
    if result_items is None:
        return
    if result_json is not Keep.KEEP:
        raise ValueError("give result_json or result_items, not both")
    check_position(result_items)


def check_position(position: int) -> int:
    if isinstance(position, bool) or not isinstance(position, int) or position < 0:
        raise ValueError(f"a result item position or count is a non-negative integer, not {position!r}")
    return position


def missing_result_items(run_id: str, found: int, count: int) -> Exception:
    """A run whose result should have `count` stored items, of which only `found` are there."""
    return journal_damaged(f"run {run_id} has {found} of the {count} items of its result")


def list_text(items: Sequence[str]) -> str:
    """Item JSON texts as one JSON list, written as `json.dumps` writes a list."""
    return "[" + ", ".join(items) + "]"
