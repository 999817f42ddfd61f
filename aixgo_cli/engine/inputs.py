"""Workflow inputs from `--var NAME=VALUE`: declared, typed, defaulted, and required ones present."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aixgo_cli.config.model import Workflow
from aixgo_cli.errors import UserError
from aixgo_cli.schema.suggest import did_you_mean


def resolve_variables(workflow: Workflow, assignments: Sequence[str]) -> dict[str, Any]:
    given: dict[str, str] = {}
    for assignment in assignments:
        name, sep, value = assignment.partition("=")
        if not sep or not name:
            raise UserError(f"--var expects NAME=VALUE, got '{assignment}'", hint="example: --var tone=formal")
        given[name.strip()] = value
    return coerce_variables(workflow, given)


def coerce_variables(workflow: Workflow, given: Mapping[str, Any]) -> dict[str, Any]:
    declared = workflow.inputs
    values: dict[str, Any] = {}
    for name in given:
        if name not in declared:
            hint = did_you_mean(name, declared) or (
                f"declared inputs: {', '.join(declared)}" if declared else "declare it under inputs: in the workflow"
            )
            raise UserError(f"--var {name}: the workflow declares no input '{name}'", hint=hint)
    for name, spec in declared.items():
        if name in given:
            values[name] = _coerce(name, given[name], str(spec.get("type", "string")), spec.get("enum"))
        elif "default" in spec:
            values[name] = spec["default"]
        elif spec.get("required"):
            raise UserError(f"the workflow needs input '{name}'", hint=f"pass it: --var {name}=VALUE")
    return values


def _coerce(name: str, raw: Any, kind: str, allowed: Any) -> Any:
    value: Any = raw
    if isinstance(raw, str):
        try:
            if kind == "integer":
                value = int(raw)
            elif kind == "number":
                value = float(raw)
            elif kind == "boolean":
                lowered = raw.strip().lower()
                if lowered not in ("true", "false", "1", "0", "yes", "no"):
                    raise ValueError(raw)
                value = lowered in ("true", "1", "yes")
        except ValueError:
            raise UserError(f"--var {name}={raw}: expected a {kind}", hint=f"example: --var {name}=...") from None
    if isinstance(allowed, list) and value not in allowed:
        raise UserError(
            f"--var {name}={raw}: not one of {', '.join(map(str, allowed))}",
            hint=f"example: --var {name}={allowed[0]}" if allowed else None,
        )
    return value
