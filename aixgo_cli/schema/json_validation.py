"""Validating any JSON value against any JSON Schema (tool arguments, structured model output)."""

from __future__ import annotations

from typing import Any


def instance_errors(schema: dict[str, Any], instance: Any, *, limit: int = 20) -> list[str]:
    """Every way `instance` breaks `schema`, as 'path: message' lines (empty when valid)."""
    import jsonschema_rs

    validator = jsonschema_rs.validator_for(schema)
    out = []
    for error in validator.iter_errors(instance):
        path = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.instance_path)
        out.append(f"{path}: {error.message}")
        if len(out) >= limit:
            break
    return out


def schema_errors(schema: Any) -> list[str]:
    """Problems with a schema itself (empty when it is a usable JSON Schema)."""
    import jsonschema_rs

    if not isinstance(schema, dict):
        return ["a JSON Schema must be a mapping"]
    try:
        jsonschema_rs.meta.validate(schema)
    except jsonschema_rs.ValidationError as exc:
        return [str(exc.message)]
    except Exception as exc:  # a schema the library cannot even compile
        return [str(exc)]
    return []
