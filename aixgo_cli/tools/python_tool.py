"""Python callables as tools, with their JSON Schema generated from type hints.

`callable: mypkg.tools:lookup_order` is imported with the workflow's directory on the import path, so a
workflow can ship its tools beside it. A parameter named `idempotency_key` is not shown to the model: the
engine fills it with `run_id/unit_key`, which lets a tool make a repeated call harmless.

Type hints become a full JSON Schema (python_types.py): nested dataclasses and TypedDicts, Literal,
Enum, Optional and containers. The model's arguments are converted into the declared types before the
call (a dict into the dataclass, a string into the Enum); a value that does not fit is reported to the
model as a tool error it can correct.
"""

from __future__ import annotations

import importlib
import inspect
import sys
import threading
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from aixgo_cli.errors import UserError
from aixgo_cli.tools.base import Tool, ToolCallError, ToolContext
from aixgo_cli.tools.python_types import ConversionError, convert, type_schema

IDEMPOTENCY_PARAMETER = "idempotency_key"

__all__ = ["IDEMPOTENCY_PARAMETER", "build", "load_callable", "schema_for", "type_schema"]


def build(definition: Mapping[str, Any], context: ToolContext) -> Tool:
    release_path = _use_import_path(str(context.base_dir))
    try:
        function = load_callable(str(definition["callable"]), context.base_dir)
    except BaseException:
        release_path()
        raise
    wants_key = accepts_idempotency_key(function)
    converters = _parameter_hints(function)

    def run_python(args: dict[str, Any], key: str) -> Any:
        try:
            converted = {name: convert(value, converters.get(name, Any), name) for name, value in args.items()}
        except ConversionError as exc:
            raise ToolCallError(str(exc)) from None
        return function(**converted, **({IDEMPOTENCY_PARAMETER: key} if wants_key else {}))

    return Tool(
        str(definition["name"]),
        definition.get("description") or description_of(function),
        definition.get("input_schema") or schema_for(function),
        bool(definition.get("idempotent", False)),
        run_python,
        kind="python",
        close=release_path,  # the workflow's directory leaves the import path when the run ends
    )


_path_users: dict[str, int] = {}  # directory -> tools of live runs that put it on sys.path
_path_lock = threading.Lock()


def _use_import_path(base: str) -> Callable[[], None]:
    """Put `base` first on the import path for as long as a tool needs it (the module may import its
    siblings when called); the returned function gives it back, and the last user takes it off, so one
    process hosting many runs does not collect every workflow's directory. A directory already on the
    path before (not put there here) is left alone."""
    with _path_lock:
        users = _path_users.get(base, 0)
        if users == 0 and base in sys.path:
            return lambda: None
        if users == 0:
            sys.path.insert(0, base)
        _path_users[base] = users + 1
    released = threading.Event()

    def release() -> None:
        with _path_lock:
            if released.is_set():
                return
            released.set()
            left = _path_users.pop(base) - 1
            if left:
                _path_users[base] = left
            elif base in sys.path:
                sys.path.remove(base)

    return release


def load_callable(reference: str, base_dir: Path) -> Callable[..., Any]:
    """The function `module:attribute`, imported with `base_dir` on the import path (see `build`)."""
    module_name, _, attribute = reference.partition(":")
    release = _use_import_path(str(base_dir))
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise UserError(
            f"cannot import the tool module '{module_name}': {exc}",
            hint=f"put {module_name.replace('.', '/')}.py beside the workflow, or install it",
        ) from None
    finally:
        release()
    function = getattr(module, attribute, None)
    if not callable(function):
        raise UserError(f"'{reference}' is not a function", hint=f"check the name after ':' in {reference}")
    return typing.cast(Callable[..., Any], function)


def _parameter_hints(function: Callable[..., Any]) -> dict[str, Any]:
    try:
        return typing.get_type_hints(function)
    except (NameError, TypeError):
        return {}


def schema_for(function: Callable[..., Any]) -> dict[str, Any]:
    """An object schema with one property per parameter; parameters without defaults are required."""
    signature = inspect.signature(function)
    hints = _parameter_hints(function)
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


def description_of(function: Callable[..., Any]) -> str:
    doc = inspect.getdoc(function) or ""
    return doc.split("\n\n", 1)[0].strip() or function.__name__


def accepts_idempotency_key(function: Callable[..., Any]) -> bool:
    return IDEMPOTENCY_PARAMETER in inspect.signature(function).parameters
