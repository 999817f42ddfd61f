"""Where aixgo keeps its files. `AIXGO_HOME` overrides the platform data directory."""

from __future__ import annotations

import os
from pathlib import Path


def data_home() -> Path:
    """The directory for the run journal and the audit log (not created here)."""
    override = os.environ.get("AIXGO_HOME")
    if override:
        return Path(override).expanduser()
    import platformdirs  # deferred: only commands that touch storage pay for it

    return Path(platformdirs.user_data_dir("aixgo", appauthor=False))


def default_db_path() -> Path:
    return data_home() / "runs.db"


def workspaces_dir() -> Path:
    """Where each run gets its own directory for the file tools (`workspaces/RUN_ID`)."""
    return data_home() / "workspaces"
