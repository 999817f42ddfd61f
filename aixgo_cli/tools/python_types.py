"""Python type hints to JSON Schema, and JSON arguments back into those types.

Supported: str, int, float, bool, None, Any, Literal, Enum (by value), Optional / unions, list / tuple /
set / frozenset, dict[str, T], dataclasses and TypedDicts (nested to any depth; a type that contains
itself is cut to a plain object at its second appearance). An unsupported hint gives `{}` (any value),
which is still a valid schema. `convert` builds the declared values from the validated JSON (a dict
into the dataclass, a value into the Enum); a value that cannot be converted raises `ConversionError`
with the path of the bad field, which the model reads as a tool error.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from typing import Any, Literal, Union, get_args, get_origin, is_typeddict

_SIMPLE: dict[Any, str] = {str: "string", int: "integer", float: "number", bool: "boolean"}
_SEQUENCES = (list, tuple, set, frozenset)


class ConversionError(Exception):
    """An argument that does not fit its declared type; the message names the field."""


def type_schema(hint: Any, _seen: frozenset[Any] = frozenset()) -> dict[str, Any]:
    if hint is Any or hint is object:
        return {}
    if hint is None or hint is type(None):
        return {"type": "null"}
    if hint in _SIMPLE:
        return {"type": _SIMPLE[hint]}
    if hint is dict:
        return {"type": "object"}
    if hint in _SEQUENCES:
        return {"type": "array"}
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return {"enum": [member.value for member in hint]}
    if (dataclasses.is_dataclass(hint) and isinstance(hint, type)) or is_typeddict(hint):
        if hint in _seen:
            return {"type": "object"}
        return _object_schema(hint, _seen | {hint})
    origin, args = get_origin(hint), get_args(hint)
    if origin is Literal:
        return {"enum": list(args)}
    if origin in (Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        inner = (
            type_schema(options[0], _seen) if len(options) == 1 else {"anyOf": [type_schema(a, _seen) for a in options]}
        )
        return {"anyOf": [inner, {"type": "null"}]} if len(options) < len(args) else inner
    if origin is tuple and args and args[-1] is not Ellipsis:
        items = [type_schema(a, _seen) for a in args]
        return {"type": "array", "prefixItems": items, "minItems": len(items), "maxItems": len(items)}
    if origin in _SEQUENCES:
        schema: dict[str, Any] = {"type": "array", "items": type_schema(args[0], _seen)} if args else {"type": "array"}
        if origin in (set, frozenset):
            schema["uniqueItems"] = True
        return schema
    if origin is dict:
        return {"type": "object", "additionalProperties": type_schema(args[1], _seen)} if len(args) == 2 else {}
    if origin is typing.Annotated:
        return type_schema(args[0], _seen)
    return {}


def _object_schema(cls: Any, seen: frozenset[Any]) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    properties = {name: type_schema(hint, seen) for name, hint in hints.items()}
    if is_typeddict(cls):
        required = [name for name in hints if name in cls.__required_keys__]
    else:
        required = [
            f.name
            for f in dataclasses.fields(cls)
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        ]
    schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    doc = (cls.__doc__ or "").strip()
    if doc and not doc.startswith(f"{cls.__name__}("):  # dataclasses invent a docstring from the signature
        schema["description"] = doc.split("\n\n", 1)[0]
    return schema


def convert(value: Any, hint: Any, where: str) -> Any:
    """`value` (already valid JSON for the schema) as an instance of `hint`."""
    if hint is Any or hint is object or value is None:
        return value
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        try:
            return hint(value)
        except ValueError:
            choices = ", ".join(repr(m.value) for m in hint)
            raise ConversionError(f"{where}: {value!r} is not one of {choices}") from None
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        if not isinstance(value, dict):
            raise ConversionError(f"{where}: expected an object for {hint.__name__}")
        hints = typing.get_type_hints(hint)
        fields = {name: convert(item, hints.get(name, Any), f"{where}.{name}") for name, item in value.items()}
        try:
            return hint(**fields)
        except (TypeError, ValueError) as exc:
            raise ConversionError(f"{where}: cannot build {hint.__name__}: {exc}") from None
    if is_typeddict(hint) and isinstance(value, dict):
        hints = typing.get_type_hints(hint)
        return {name: convert(item, hints.get(name, Any), f"{where}.{name}") for name, item in value.items()}
    origin, args = get_origin(hint), get_args(hint)
    if origin in (Union, types.UnionType):
        return _convert_union(value, args, where)
    if origin is typing.Annotated:
        return convert(value, args[0], where)
    if origin in _SEQUENCES and isinstance(value, list):
        if origin is tuple and args and args[-1] is not Ellipsis:
            return tuple(convert(v, a, f"{where}[{i}]") for i, (v, a) in enumerate(zip(value, args, strict=False)))
        inner = args[0] if args else Any
        items = [convert(v, inner, f"{where}[{i}]") for i, v in enumerate(value)]
        return origin(items) if origin is not list else items
    if origin is dict and isinstance(value, dict) and len(args) == 2:
        return {k: convert(v, args[1], f"{where}.{k}") for k, v in value.items()}
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def _convert_union(value: Any, options: tuple[Any, ...], where: str) -> Any:
    problems: list[str] = []
    for option in options:
        if option is type(None):
            continue
        if not _plausible(value, option):
            continue
        try:
            return convert(value, option, where)
        except ConversionError as exc:
            problems.append(str(exc))
    if problems:
        raise ConversionError(problems[0])
    return value


def _plausible(value: Any, hint: Any) -> bool:
    """Whether `value`'s JSON kind can be `hint`, so a union tries only the options that can fit."""
    if hint in _SIMPLE:
        if hint is float:
            return isinstance(value, int | float) and not isinstance(value, bool)
        if hint is int:
            return isinstance(value, int) and not isinstance(value, bool)
        return isinstance(value, hint)
    if (dataclasses.is_dataclass(hint) and isinstance(hint, type)) or is_typeddict(hint):
        return isinstance(value, dict)
    origin = get_origin(hint)
    if origin in _SEQUENCES:
        return isinstance(value, list)
    if origin is dict:
        return isinstance(value, dict)
    return True
