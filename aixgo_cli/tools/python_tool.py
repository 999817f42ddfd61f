"""Python callables as tools, with their JSON Schema generated from type hints.

`callable: mypkg.tools:lookup_order` is imported with the workflow's directory on the import path, so a
workflow can ship its tools beside it. A parameter named `idempotency_key` is not shown to the model: the
engine fills it with `run_id/unit_key`, which lets a tool make a repeated call harmless.
"""

from __future__ import annotations

import importlib
import inspect
import sys
import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from aixgo_cli.errors import UserError

IDEMPOTENCY_PARAMETER = "idempotency_key"
_SIMPLE = {str: "string", int: "integer", float: "number", bool: "boolean", dict: "object", list: "array"}


def load_callable(reference: str, base_dir: Path) -> Callable[..., Any]:
    module_name, _, attribute = reference.partition(":")
    base = str(base_dir)
    if base not in sys.path:
        sys.path.insert(0, base)
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise UserError(
            f"cannot import the tool module '{module_name}': {exc}",
            hint=f"put {module_name.replace('.', '/')}.py beside the workflow, or install it",
        ) from None
    function = getattr(module, attribute, None)
    if not callable(function):
        raise UserError(f"'{reference}' is not a function", hint=f"check the name after ':' in {reference}")
    return typing.cast(Callable[..., Any], function)


def schema_for(function: Callable[..., Any]) -> dict[str, Any]:
    """An object schema with one property per parameter; parameters without defaults are required."""
    signature = inspect.signature(function)
    hints = typing.get_type_hints(function)
    properties: dict[str, Any] = {}
    required: list[str] = []
    for name, parameter in signature.parameters.items():
        if name == IDEMPOTENCY_PARAMETER or parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        properties[name] = type_schema(hints.get(name, Any))
        if parameter.default is inspect.Parameter.empty:
            required.append(name)
    schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    return schema


def type_schema(hint: Any) -> dict[str, Any]:
    if hint in _SIMPLE:
        return {"type": _SIMPLE[hint]}
    origin = get_origin(hint)
    args = get_args(hint)
    if origin is Literal:
        return {"enum": list(args)}
    if origin in (Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        inner = type_schema(options[0]) if len(options) == 1 else {"anyOf": [type_schema(a) for a in options]}
        return {"anyOf": [inner, {"type": "null"}]} if len(options) < len(args) else inner
    if origin in (list, tuple, set, frozenset):
        return {"type": "array", "items": type_schema(args[0])} if args else {"type": "array"}
    if origin is dict:
        return (
            {"type": "object", "additionalProperties": type_schema(args[1])} if len(args) == 2 else {"type": "object"}
        )
    return {}


def description_of(function: Callable[..., Any]) -> str:
    doc = inspect.getdoc(function) or ""
    return doc.split("\n\n", 1)[0].strip() or function.__name__


def accepts_idempotency_key(function: Callable[..., Any]) -> bool:
    return IDEMPOTENCY_PARAMETER in inspect.signature(function).parameters
