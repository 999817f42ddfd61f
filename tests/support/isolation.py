"""Autouse fixtures for in-process tests, imported by the conftest of each package that wants them.

* `work_in_tmp`: relative paths (logger files, tool modules) land in the test's own directory, never in
  the repository.
* `clean_imports`: tool modules a test writes and imports are taken out of `sys.path` and `sys.modules`
  again, so no test sees another's tools.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

TOOL_MODULE_PREFIX = "engine_tools_"


@pytest.fixture(autouse=True)
def work_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


@pytest.fixture(autouse=True)
def clean_imports() -> Iterator[None]:
    path, modules = list(sys.path), set(sys.modules)
    yield
    sys.path[:] = path
    for name in set(sys.modules) - modules:
        if name.startswith(TOOL_MODULE_PREFIX):
            del sys.modules[name]
