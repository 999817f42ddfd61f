"""A name -> object table whose entries are imported the first time they are looked up.

Start-up is a budget: a one-step workflow should not pay for importing every pattern, role and tool type
aixgo knows. Each entry is either a `"package.module:ATTRIBUTE"` path or a zero-argument function that
imports what it needs inside; asking whether a name exists, or listing the names, imports nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from importlib import import_module
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class LazyRegistry(Mapping[str, T], Generic[T]):
    def __init__(self, entries: Mapping[str, str | Callable[[], T]]) -> None:
        self._entries = dict(entries)
        self._loaded: dict[str, T] = {}
        self._lock = threading.Lock()  # two threads asking for one entry build it once

    def __getitem__(self, name: str) -> T:
        loaded = self._loaded.get(name)
        if loaded is not None:
            return loaded
        where = self._entries[name]  # KeyError for an unknown name, as a dict does
        with self._lock:
            if name not in self._loaded:
                self._loaded[name] = _load(where) if isinstance(where, str) else where()
            return self._loaded[name]

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)


def _load(where: str) -> Any:
    module, _, attribute = where.partition(":")
    return getattr(import_module(module), attribute)
