"""`runs export`: one run copied into a new, standalone journal file (a CI artifact).

The copy is made through the journal protocol (read the records, insert them verbatim into a fresh
`SqliteJournal`), so the exported file is built by the same migrations as any journal, carries its
`schema_migrations` table and format version, and opens with `aixgo resume --db FILE`. Going through
records rather than attaching databases also lets the in-memory journal export with the same code.
The lease is not copied: whoever opens the artifact is free to drive the run.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from aixgo_cli.errors import UserError
from aixgo_cli.store import rules
from aixgo_cli.store.protocol import Journal
from aixgo_cli.store.sqlite_db import create_private_file


def copy_run(
    source: Journal, run_id: str, dest: Path, open_target: Callable[[Path], AbstractContextManager[Any]]
) -> None:
    """Copy the run into a new journal file opened with `open_target` (the SQLite journal's class, whose
    `import_run` takes the records: passed in, so that this module and the journals do not import each other)."""
    run = source.get_run(run_id)
    if run is None:
        raise rules.no_such_run(run_id)
    dest = Path(dest)
    units = source.list_units(run_id)
    calls = source.list_calls(run_id)
    events = source.list_events(run_id)
    try:
        created = create_private_file(dest)
    except OSError as exc:
        raise UserError(f"cannot write {dest}: {exc.strerror or exc}", hint="choose a writable path") from None
    if not created:
        raise UserError(f"{dest} already exists; an export never overwrites", hint="choose a new file name")
    try:
        with open_target(dest) as target:
            target.import_run(run, units, calls, events)
    except BaseException:
        for leftover in (dest, Path(f"{dest}-wal"), Path(f"{dest}-shm")):
            leftover.unlink(missing_ok=True)
        raise
