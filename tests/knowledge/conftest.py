from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def aixgo_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Indexes live under AIXGO_HOME: each test gets its own."""
    home = tmp_path / "home"
    monkeypatch.setenv("AIXGO_HOME", str(home))
    return home
