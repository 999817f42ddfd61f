"""Per-key request rates (token buckets) and concurrent-run slots, per key and for the whole server."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """`rate` requests a second per key with bursts of `burst`; `take` answers 0 (allowed) or the
    seconds to wait before the next request would be allowed (for Retry-After)."""

    def __init__(self, rate: float | None, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        if self.rate is None:
            return 0.0
        now = self.clock()
        with self._lock:
            bucket = self._buckets.setdefault(key, _Bucket(float(self.burst), now))
            bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / self.rate


def retry_after_header(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))


class RunSlots:
    """How many runs may be in progress at once, per key and in all; `acquire` says which limit refused."""

    def __init__(self, per_key: int | None, total: int | None) -> None:
        self.per_key = per_key
        self.total = total
        self._by_key: dict[str, int] = {}
        self._all = 0
        self._lock = threading.Lock()

    def acquire(self, key: str) -> str | None:
        with self._lock:
            if self.total is not None and self._all >= self.total:
                return f"the server runs {self.total} run(s) at once already"
            if self.per_key is not None and self._by_key.get(key, 0) >= self.per_key:
                return f"this key has {self.per_key} run(s) in progress already"
            self._all += 1
            self._by_key[key] = self._by_key.get(key, 0) + 1
            return None

    def release(self, key: str) -> None:
        with self._lock:
            self._all = max(0, self._all - 1)
            self._by_key[key] = max(0, self._by_key.get(key, 0) - 1)

    @property
    def in_progress(self) -> int:
        return self._all
