"""The rows of the run journal, as frozen dataclasses.

The journal stores plain values only: identifiers, statuses, numbers and JSON text. Keeping the records
flat (no nested objects, no Python types that need pickling) is what lets both journal implementations,
the `--json` output and an exported database all agree on one shape without a bespoke serializer:
`dataclasses.asdict` is the serializer.

Timestamps are Unix seconds (float, wall clock) because leases and ids are compared across processes,
where a monotonic clock means nothing.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Any, Final, Literal, get_args

RunStatus = Literal["running", "completed", "failed", "paused", "interrupted", "waiting"]
UnitStatus = Literal["started", "completed", "failed"]
CallStatus = Literal["intent", "completed", "failed"]
CallKind = Literal["llm", "tool"]

RUN_STATUSES: Final[tuple[str, ...]] = get_args(RunStatus)
UNIT_STATUSES: Final[tuple[str, ...]] = get_args(UnitStatus)
CALL_STATUSES: Final[tuple[str, ...]] = get_args(CallStatus)
CALL_KINDS: Final[tuple[str, ...]] = get_args(CallKind)


class Keep(Enum):
    """Marks an `update_run` argument as "leave unchanged", so that `None` can mean "clear it"."""

    KEEP = "keep"


KEEP: Final = Keep.KEEP


@dataclass(frozen=True, slots=True)
class RunRecord:
    run_id: str
    workflow_name: str
    workflow_path: str
    workflow_hash: str
    status: RunStatus
    created_at: float
    updated_at: float
    params_json: str
    result_json: str | None = None
    error: str | None = None
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    steps: int = 0

    @classmethod
    def start(
        cls,
        *,
        workflow_name: str,
        workflow_path: str,
        workflow_hash: str,
        params_json: str,
        now: float | None = None,
    ) -> RunRecord:
        """A fresh `running` record with a new sortable id."""
        at = time.time() if now is None else now
        return cls(
            run_id=new_run_id(at),
            workflow_name=workflow_name,
            workflow_path=workflow_path,
            workflow_hash=workflow_hash,
            status="running",
            created_at=at,
            updated_at=at,
            params_json=params_json,
        )


@dataclass(frozen=True, slots=True)
class UnitRecord:
    """One step: an agent invocation on one input. `unit_key` is the memo key."""

    run_id: str
    unit_key: str
    place: str
    status: UnitStatus
    input_hash: str
    definition_hash: str
    output_json: str | None
    error: str | None
    attempt: int
    tokens_in: int
    tokens_out: int
    cost_usd: float
    started_at: float
    finished_at: float | None
    duration_ms: int | None


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One LLM or tool call inside a unit: the intent is written before the call, the result after."""

    run_id: str
    call_key: str
    unit_key: str
    kind: CallKind
    status: CallStatus
    request_json: str
    response_json: str | None
    error: str | None
    tokens_in: int
    tokens_out: int
    cost_usd: float
    started_at: float
    finished_at: float | None


@dataclass(frozen=True, slots=True)
class EventRecord:
    """One event of the run's stream; `seq` counts from 1 within a run, without gaps."""

    run_id: str
    seq: int
    kind: str
    payload_json: str
    at: float


@dataclass(frozen=True, slots=True)
class Lease:
    """Who drives a run, and until when (Unix seconds) unless renewed."""

    owner: str
    expires_at: float


@dataclass(frozen=True, slots=True)
class UsageNotes:
    """What a run's cost and token totals cannot be trusted for: read from its calls' recorded usage."""

    cost_unknown: bool = False
    tokens_estimated: bool = False


def usage_notes_of(response_json: str | None) -> UsageNotes:
    """The notes one recorded model response carries (`usage.cost_known`, `usage.tokens_estimated`)."""
    if not response_json:
        return UsageNotes()
    usage = json.loads(response_json).get("usage") or {}
    return UsageNotes(usage.get("cost_known") is False, usage.get("tokens_estimated") is True)


# The call key suffix of a question put to the user (`approval`, `ask`): a pending one waits for `--answer`.
APPROVAL_SUFFIX = "/approval"


@dataclass(frozen=True, slots=True)
class Spending:
    """What a run's earlier invocations spent, for the budget of the one resuming it: usage summed over
    its completed calls, its units counted, and the models whose prices or token counts were unknown."""

    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    units: int = 0
    unknown_cost_models: frozenset[str] = frozenset()
    estimated_token_models: frozenset[str] = frozenset()


def spending_of(calls: Iterable[CallRecord], units: int) -> Spending:
    """`Spending` computed from call records (the in-memory journal, and SQLite without JSON functions)."""
    tokens_in = tokens_out = 0
    cost = 0.0
    unknown: set[str] = set()
    estimated: set[str] = set()
    for call in calls:
        if call.status != "completed":
            continue
        tokens_in, tokens_out, cost = tokens_in + call.tokens_in, tokens_out + call.tokens_out, cost + call.cost_usd
        notes = usage_notes_of(call.response_json) if call.kind == "llm" else UsageNotes()
        if notes.cost_unknown or notes.tokens_estimated:
            model = str(json.loads(call.request_json).get("model", "?"))
            if notes.cost_unknown:
                unknown.add(model)
            if notes.tokens_estimated:
                estimated.add(model)
    return Spending(tokens_in, tokens_out, cost, units, frozenset(unknown), frozenset(estimated))


@dataclass(frozen=True, slots=True)
class Totals:
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    steps: int = 0


# Crockford's base32 alphabet in lower case: no i, l, o, u, so ids survive being read aloud or retyped,
# and its ASCII order equals numeric order, so ids sort by creation time.
_ALPHABET: Final = "0123456789abcdefghjkmnpqrstvwxyz"
RUN_ID_LENGTH: Final = 26


def _base32(value: int, width: int) -> str:
    chars = []
    for _ in range(width):
        chars.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def new_run_id(now: float | None = None) -> str:
    """`r` + 10 chars of millisecond timestamp + 15 random chars (75 bits): 26 chars, time-sortable."""
    ms = int((time.time() if now is None else now) * 1000)
    randomness = int.from_bytes(os.urandom(10), "big") >> 5
    return "r" + _base32(ms, 10) + _base32(randomness, 15)


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


# One decoder for every check: json.loads() with options builds a new decoder per call.
_STRICT_JSON: Final = json.JSONDecoder(parse_constant=_refuse_constant)


def check_json(field: str, text: str | None) -> None:
    """Refuse anything but strict JSON text (no NaN/Infinity), so the journal holds only portable data.

    Both implementations call this before they write, so they accept and refuse the same values.
    """
    if text is not None:
        parse_json(field, text)


def parse_json(field: str, text: str) -> Any:
    """`check_json` that returns the decoded value, for a writer that also needs it."""
    if not isinstance(text, str):
        raise TypeError(f"{field} must be JSON text, not {type(text).__name__}")
    try:
        return _STRICT_JSON.decode(text)
    except ValueError as exc:
        raise ValueError(f"{field} is not valid JSON: {exc}") from None


def check_choice(field: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(f"{field} must be one of {', '.join(choices)}; got {value!r}")


def journal_damaged(what: str) -> Exception:
    """The error for journal content aixgo never writes: the file was changed outside aixgo (exit 2)."""
    from aixgo_cli.errors import UserError

    return UserError(
        f"the journal is damaged: {what}",
        hint="it was changed outside aixgo: restore it from a backup, or pass --db with another file",
    )


def journal_json(text: str, what: str) -> Any:
    """A JSON column read back from the journal; text that does not parse is damage, not a crash."""
    try:
        return json.loads(text)
    except (json.JSONDecodeError, TypeError) as exc:
        raise journal_damaged(f"invalid JSON in {what} ({exc})") from None
