"""What the HTTP API sends and reads: runs, steps and errors as JSON (through the secret mask), and the
request fields (limits, `wait`) checked with a clear error."""

from __future__ import annotations

import json
import math
from typing import Any

from aixgo_cli.engine.run_limits import LimitOverrides
from aixgo_cli.errors import AixgoError, ConfigurationError, UserError
from aixgo_cli.secrets.redaction import redact
from aixgo_cli.serve.runs import Busy
from aixgo_cli.store.records import RunRecord, UnitRecord

MAX_WAIT_S = 300.0


class ApiError(Exception):
    def __init__(self, status: int, error: str, hint: str = "") -> None:
        super().__init__(error)
        self.status, self.error, self.hint = status, error, hint


def run_json(run: RunRecord) -> dict[str, Any]:
    return {
        "run_id": run.run_id,
        "workflow": run.workflow_name,
        "status": run.status,
        "created_at": run.created_at,
        "updated_at": run.updated_at,
        "error": redact(run.error) if run.error else None,
        "usage": {
            "steps": run.steps,
            "prompt_tokens": run.tokens_in,
            "completion_tokens": run.tokens_out,
            "cost_usd": run.cost_usd,
        },
        "result": json.loads(run.result_json) if run.result_json else None,
    }


def step_json(unit: UnitRecord) -> dict[str, Any]:
    return {
        "unit_key": unit.unit_key,
        "place": unit.place,
        "status": unit.status,
        "attempt": unit.attempt,
        "started_at": unit.started_at,
        "finished_at": unit.finished_at,
        "duration_ms": unit.duration_ms,
        "tokens": unit.tokens_in + unit.tokens_out,
        "cost_usd": unit.cost_usd,
        "error": redact(unit.error) if unit.error else None,
        "output": json.loads(unit.output_json) if unit.output_json else None,
    }


def error_json(exc: AixgoError) -> dict[str, Any]:
    body: dict[str, Any] = {
        "error": redact(exc.message),
        "hint": redact(exc.hint or ""),
        "exit_code": int(exc.exit_code),
    }
    if exc.next_step is not None:
        step = exc.next_step
        body["next_step"] = {"command": step.command, "run_id": step.run_id, "options": list(step.options)}
    return body


def status_for(exc: AixgoError) -> int:
    if isinstance(exc, Busy):
        return 429
    if isinstance(exc, ConfigurationError):
        return 503
    if isinstance(exc, UserError):
        return 404 if exc.message.startswith("no run") else 400
    return 500


def limits_from(body: dict[str, Any]) -> LimitOverrides:
    return LimitOverrides.from_options(
        max_steps=_int_field(body, "max_steps"),
        max_tokens=_int_field(body, "max_tokens"),
        budget_usd=_number_field(body, "budget_usd"),
        timeout=str(body["timeout"]) if body.get("timeout") is not None else None,
    )


def _int_field(body: dict[str, Any], name: str) -> int | None:
    value = body.get(name)
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise ApiError(400, f"{name} must be a whole number", f'for example: "{name}": 10')


def _number_field(body: dict[str, Any], name: str) -> float | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise ApiError(400, f"{name} must be a number", f'for example: "{name}": 0.5')


def wait_seconds(body: dict[str, Any]) -> float:
    value = _number_field(body, "wait") or 0.0
    if not math.isfinite(value) or value < 0:
        raise ApiError(400, "wait must be a number of seconds, 0 or more", '"wait": 30')
    return min(value, MAX_WAIT_S)
