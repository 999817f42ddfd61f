"""Opening the journal's SQLite file safely, and the one way writes happen.

* Files: the journal holds prompts and model output, so a directory we create is 0700 and the database
  is created 0600 before SQLite touches it (SQLite then gives its -wal and -shm files the same mode).
  An existing parent directory is left alone: it may be the user's working directory.
* Pragmas: WAL so readers never block the writer and a commit is atomic even under SIGKILL;
  `synchronous=NORMAL`, which in WAL mode can lose the last commits on power loss but never corrupts,
  and skips an fsync per commit (that fsync would dominate the per-step budget); a 5 s busy timeout so
  two processes queue instead of failing; foreign keys so child rows cannot outlive their run.
* Writes: `BEGIN IMMEDIATE` takes the write lock up front, so a transaction cannot fail half-way with
  SQLITE_BUSY on lock upgrade; `with conn:` commits on success and rolls back on any exception
  (never a commit in `finally`, which would commit half of a failed unit).
* Setup is lazy: nothing touches the disk until the first operation, which also applies migrations.
* Read-only opening (`runs list/show/export`): the file must exist and nothing is created or migrated.
  A journal no process has open (no -wal file beside it) is read `immutable=1`, which needs no -wal or
  -shm file and so works on a read-only mount; one in use is opened `mode=ro` to see the writer's
  committed work, falling back to `immutable=1` when its -shm file cannot be opened.
* Damage is an input problem, not a bug: a missing table, a file that is not a database or one cut
  short is a UserError (exit 2) naming the file.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from aixgo_cli.errors import ConfigurationError, RunError, UserError, resume_step
from aixgo_cli.store.migrations import migrate

BUSY_TIMEOUT_MS = 5000
PAGE_SIZE = 4096  # SQLite's default, stated: the part size of `blobs` is chosen for it
_MIN_SQLITE = (3, 35, 0)  # UPSERT with RETURNING


def create_private_file(path: Path) -> bool:
    """Create `path` (and a missing parent, 0700) as an empty 0600 file; False if it already exists."""
    parent = path.parent
    if not parent.exists():
        parent.mkdir(parents=True, exist_ok=True)
        parent.chmod(0o700)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return False
    os.close(fd)
    path.chmod(0o600)  # the umask may have removed bits we want; it cannot have added any
    return True


def _busy(where: Path) -> RunError:
    return RunError(
        f"the journal {where} stayed locked by another process for {BUSY_TIMEOUT_MS // 1000} s",
        hint="retry in a moment; `aixgo runs list` shows which runs are still running",
    )


def translate(exc: sqlite3.DatabaseError, where: Path) -> Exception | None:
    """The aixgo error for a SQLite failure a user can act on, or None to let it propagate as a bug."""
    name = getattr(exc, "sqlite_errorname", "")
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return _busy(where)
    if name.startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT")):
        return UserError(
            f"{where} is not a readable aixgo journal ({exc})",
            hint="pass --db with another file, or move this one aside",
        )
    if name.startswith(("SQLITE_CANTOPEN", "SQLITE_READONLY", "SQLITE_PERM", "SQLITE_AUTH")):
        return ConfigurationError(
            f"cannot write the journal {where} ({exc})",
            hint="check the file's permissions with `aixgo doctor`, or pass --db with a writable path",
        )
    if isinstance(exc, sqlite3.OperationalError) and str(exc).startswith(("no such table", "no such column")):
        return damaged(where, str(exc))
    if name.startswith(("SQLITE_FULL", "SQLITE_IOERR")):
        return RunError(
            f"writing the journal {where} failed ({exc}); completed steps are kept",
            hint="free disk space, then continue with:",
            next_step=resume_step(),  # the runner fills in the run id; outside a run the CLI shows RUN_ID
        )
    return None


def damaged(where: Path, what: str) -> UserError:
    return UserError(
        f"the journal {where} is damaged ({what})",
        hint="it was changed outside aixgo: restore it from a backup, or pass --db with another file",
    )


def _expected_tables() -> set[str]:
    """Every table the migrations create: a journal missing one of them was damaged."""
    import re

    from aixgo_cli.store.migrations import MIGRATIONS

    found = set()
    for _, sql in MIGRATIONS:
        found.update(re.findall(r"CREATE TABLE (?:IF NOT EXISTS )?(\w+)", sql, flags=re.IGNORECASE))
    return found


def check_tables(conn: sqlite3.Connection, where: Path) -> None:
    present = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    missing = sorted(_expected_tables() - present)
    if missing:
        raise damaged(where, f"missing table{'s' if len(missing) > 1 else ''}: {', '.join(missing)}")


def _open_read_only(path: Path) -> sqlite3.Connection:
    """Open an existing journal without writing anything (see the module docstring)."""
    from aixgo_cli.store.migrations import FORMAT_VERSION, check_format

    if not path.is_file():
        raise UserError(
            f"no journal at {path}",
            hint="runs are recorded by `aixgo run`; pass --db with the journal file it used",
        )
    uri = path.resolve().as_uri()
    immutable = f"{uri}?immutable=1"
    if not Path(f"{path}-wal").exists():
        # No writer has the journal open (an open WAL journal always has its -wal file), and `mode=ro`
        # would create the -wal and -shm files: read the file as it is instead.
        conn = sqlite3.connect(immutable, uri=True, check_same_thread=False)
    else:
        try:
            conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.OperationalError as exc:
            if not getattr(exc, "sqlite_errorname", "").startswith(("SQLITE_CANTOPEN", "SQLITE_READONLY")):
                raise
            conn = sqlite3.connect(immutable, uri=True, check_same_thread=False)
    conn.isolation_level = None
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("BEGIN")
        with conn:
            version = check_format(conn, str(path))
        if version == 0:
            raise UserError(
                f"{path} holds no aixgo journal (an empty database)",
                hint="pass --db with the journal file `aixgo run` used",
            )
        if version != FORMAT_VERSION:
            raise UserError(
                f"the journal {path} has format {version}; this aixgo reads format {FORMAT_VERSION}",
                hint="any `aixgo run` or `aixgo resume` with this --db upgrades it",
            )
        check_tables(conn, path)
    except BaseException:
        conn.close()
        raise
    return conn


@contextmanager
def translated_errors(where: Path) -> Iterator[None]:
    try:
        yield
    except sqlite3.DatabaseError as exc:
        mapped = translate(exc, where)
        if mapped is None:
            raise
        raise mapped from None


def _enable_wal(conn: sqlite3.Connection) -> None:
    """Switch a new file to WAL (a no-op once it is WAL: the mode is stored in the file).

    The switch needs an exclusive lock and SQLite does not run the busy handler for it, so processes
    opening a fresh journal together would get SQLITE_BUSY at once; retry within the busy timeout.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if not getattr(exc, "sqlite_errorname", "").startswith("SQLITE_BUSY") or time.monotonic() > deadline:
                raise
            time.sleep(0.002)  # backoff between attempts at a lock held for microseconds


class Database:
    """One lazily opened connection, shared by threads under a lock (the engine may run steps in threads)."""

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        self.path = path
        self.read_only = read_only
        self._conn: sqlite3.Connection | None = None
        self._closed = False
        self.lock = threading.RLock()

    def connection(self) -> sqlite3.Connection:
        if self._conn is not None:
            return self._conn
        if self._closed:
            raise ValueError(f"the journal {self.path} is closed")
        if sqlite3.sqlite_version_info < _MIN_SQLITE:
            raise ConfigurationError(
                f"SQLite {sqlite3.sqlite_version} is too old for the journal (needs 3.35 or newer)",
                hint="use a Python build linked against a newer SQLite (python.org and most distros are)",
            )
        if self.read_only:
            with translated_errors(self.path):
                self._conn = _open_read_only(self.path)
            return self._conn
        try:
            create_private_file(self.path)
        except OSError as exc:
            raise ConfigurationError(
                f"cannot create the journal {self.path}: {exc.strerror or exc}",
                hint="pass --db with a path in a writable directory (or set AIXGO_HOME)",
            ) from None
        with translated_errors(self.path):
            conn = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
            )
            try:
                conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                # Only a new, empty file takes the page size (an existing journal keeps its own); `blobs`
                # sizes its parts to pack four to a page of this size.
                conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
                _enable_wal(conn)
                conn.execute("PRAGMA synchronous = NORMAL")
                conn.execute("PRAGMA foreign_keys = ON")
                # Checkpoint every 256 pages (1 MiB) instead of 1000, so the WAL beside a journal stays
                # small; and truncate a WAL that one large transaction blew up, once it is checkpointed.
                conn.execute("PRAGMA wal_autocheckpoint = 256")
                conn.execute(f"PRAGMA journal_size_limit = {2 * 1024 * 1024}")
                migrate(conn, str(self.path))
                check_tables(conn, self.path)
            except BaseException:
                conn.close()
                raise
        self._conn = conn
        return conn

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed if the block finishes, rolled back if it raises.

        Written as one flat generator (not nested context managers): it runs four or more times per step.
        """
        with self.lock:
            try:
                conn = self._conn or self.connection()
                if conn.in_transaction:
                    # A KeyboardInterrupt that landed between an earlier BEGIN and its `with conn:` left
                    # that transaction open; nothing in it was committed, so it is rolled back here.
                    conn.rollback()
                conn.execute("BEGIN IMMEDIATE")
                with conn:
                    yield conn
            except sqlite3.DatabaseError as exc:
                mapped = translate(exc, self.path)
                if mapped is None:
                    raise
                raise mapped from None

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """Reads that must see one snapshot (several statements) run inside a deferred transaction."""
        with self.lock, translated_errors(self.path):
            conn = self.connection()
            conn.execute("BEGIN")
            with conn:
                yield conn

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """Several reads without a transaction, for rows whose parts never change once written (blobs)."""
        with self.lock, translated_errors(self.path):
            yield self.connection()

    def query(self, sql: str, params: tuple[object, ...] = ()) -> list[Any]:
        """A single-statement read; SQLite gives one statement a consistent snapshot by itself."""
        with self.lock, translated_errors(self.path):
            return self.connection().execute(sql, params).fetchall()

    def close(self) -> None:
        with self.lock:
            self._closed = True
            if self._conn is not None:
                self._conn.close()
                self._conn = None
