"""The audit log: a hash-chained JSONL file of what a run's tools did and what was refused or detected.

Records: `tool_call` (tool, arguments, outcome, sizes), `tool_denied` (an unlisted tool, a call over a
limit), `ssrf_refused`, `injection_detected`, `secret_resolved` (the name and source, never a value),
`run_opened`. Every string passes the secret mask before it is written.

The chain: each record carries `prev`, the hash of the record before it (64 zeros for the first in the
file), and `hash`, the SHA-256 of its own canonical JSON without `hash` (which includes `prev`). So an
edited record no longer matches its `hash`, and a removed, inserted or reordered record breaks the
`prev` link of the one after it; `verify` names the first line where either happens. What a chain
without a secret key cannot show: the loss of the last records of a file (the file simply ends
earlier), or a whole file rewritten with freshly computed hashes; keep the log on storage the run's
user cannot rewrite when that matters.

One file per run under `<data dir>/audit/RUN_ID.jsonl`, or one configured path (`audit.path`) that
runs append to, continuing its chain.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

GENESIS = "0" * 64


class AuditSink(Protocol):
    def record(self, kind: str, **fields: Any) -> None: ...

    def close(self) -> None: ...


class NoAudit:
    """For runs with the audit log turned off (`audit.enabled: false`) and in-process engine tests."""

    def record(self, kind: str, **fields: Any) -> None:
        return None

    def close(self) -> None:
        return None


def record_hash(body: dict[str, Any]) -> str:
    canonical = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class AuditLog:
    def __init__(self, path: Path, run_id: str, mask: Callable[[str], str]) -> None:
        self.path = path
        self.run_id = run_id
        self.mask = mask
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._prev, self._seq = _tail(path)
        self._file = path.open("a", encoding="utf-8")

    def record(self, kind: str, **fields: Any) -> None:
        with self._lock:
            if self._file.closed:
                return
            body = {
                "seq": self._seq + 1,
                "at": round(time.time(), 3),
                "run_id": self.run_id,
                "kind": kind,
                **{k: _masked(v, self.mask) for k, v in fields.items()},
                "prev": self._prev,
            }
            digest = record_hash(body)
            self._file.write(json.dumps({**body, "hash": digest}, ensure_ascii=False, sort_keys=True) + "\n")
            self._file.flush()
            self._prev, self._seq = digest, self._seq + 1

    def close(self) -> None:
        with self._lock:
            self._file.close()


def _masked(value: Any, mask: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {str(k): _masked(v, mask) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_masked(v, mask) for v in value]
    return value


def _tail(path: Path) -> tuple[str, int]:
    """The hash and sequence number of the file's last record, to continue its chain."""
    if not path.is_file() or path.stat().st_size == 0:
        return GENESIS, 0
    with path.open("rb") as handle:
        handle.seek(max(0, path.stat().st_size - 65536))
        lines = [line for line in handle.read().splitlines() if line.strip()]
    try:
        last = json.loads(lines[-1])
        return str(last["hash"]), int(last["seq"])
    except (ValueError, KeyError, IndexError, TypeError):
        return GENESIS, 0  # not ours or damaged: `verify` will say so; start a fresh chain after it


@dataclass(frozen=True)
class Verdict:
    ok: bool
    records: int
    line: int | None = None  # the first bad line, 1-based
    problem: str | None = None


def verify(path: Path) -> Verdict:
    prev, seq, count = GENESIS, None, 0
    with path.open(encoding="utf-8") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                record = json.loads(raw)
                stored = record.pop("hash")
            except (ValueError, KeyError, AttributeError, TypeError):
                return Verdict(False, count, number, "not an audit record (invalid JSON or no hash)")
            if not isinstance(record, dict) or record_hash(record) != stored:
                return Verdict(False, count, number, "the record was changed after it was written (hash mismatch)")
            if record.get("prev") != prev:
                return Verdict(
                    False, count, number, "the chain is broken: a record before this one was removed, added or moved"
                )
            if seq is not None and record.get("seq") != seq + 1:
                return Verdict(False, count, number, "the sequence numbers are out of order")
            prev, seq, count = stored, record.get("seq"), count + 1
    return Verdict(True, count)
