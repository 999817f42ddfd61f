"""Secrets from a credential helper: `pass show ...`, `op read ...`, `vault kv get -field=...`.

A workflow declares which secrets come from a command (top-level `secrets:`):

    secrets:
      OPENAI_API_KEY: {command: [op, read, "op://dev/openai/key"], cache: 15m}

The command is an argv list run without a shell (no quoting or injection surprises), with stdin closed
and a time limit; its standard output, minus one trailing newline, is the value. Neither its output nor
its error output is ever logged or shown: a failing helper is reported by its program name and exit
status only, since its error text may echo the secret or the vault path. A value is kept for `cache`
(default 5 minutes) and then fetched again, so a rotated key is picked up by a long run; `invalidate`
drops it at once (the model client does so once on a 401, then retries with the fresh value).
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from aixgo_cli.errors import ConfigurationError

DEFAULT_CACHE_S = 300.0
COMMAND_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class CommandSpec:
    argv: tuple[str, ...]
    cache_s: float = DEFAULT_CACHE_S


class CommandSource:
    label: Literal["command"] = "command"

    def __init__(
        self,
        specs: Mapping[str, CommandSpec] | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        run: Callable[..., subprocess.CompletedProcess[str]] = subprocess.run,
    ) -> None:
        self.specs = dict(specs or {})
        self._clock = clock
        self._run = run
        self._cache: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    @classmethod
    def of(cls, declared: Mapping[str, Any] | None) -> CommandSource:
        """From a workflow's `secrets:` block (already validated against the schema)."""
        from aixgo_cli.config.durations import optional_duration

        specs = {
            name: CommandSpec(
                tuple(str(a) for a in entry["command"]), optional_duration(entry.get("cache")) or DEFAULT_CACHE_S
            )
            for name, entry in dict(declared or {}).items()
        }
        return cls(specs)

    def names(self) -> list[str]:
        return sorted(self.specs)

    def get(self, name: str) -> str | None:
        spec = self.specs.get(name)
        if spec is None:
            return None
        with self._lock:
            cached = self._cache.get(name)
            if cached is not None and self._clock() < cached[1]:
                return cached[0]
            value = self._fetch(name, spec)
            self._cache[name] = (value, self._clock() + spec.cache_s)
            return value

    def invalidate(self, name: str) -> None:
        with self._lock:
            self._cache.pop(name, None)

    def _fetch(self, name: str, spec: CommandSpec) -> str:
        program = spec.argv[0]
        try:
            done = self._run(
                list(spec.argv),
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=COMMAND_TIMEOUT_S,
                check=False,
            )
        except FileNotFoundError:
            raise ConfigurationError(
                f"secret {name}: its command `{program}` is not installed (or not on PATH)",
                hint=f"install {program}, or change secrets.{name}.command in the workflow",
            ) from None
        except subprocess.TimeoutExpired:
            raise ConfigurationError(
                f"secret {name}: its command `{program}` did not finish within {COMMAND_TIMEOUT_S:g}s",
                hint=f"check that {program} does not wait for input (unlock it first, e.g. sign in)",
            ) from None
        except OSError as exc:
            raise ConfigurationError(
                f"secret {name}: its command `{program}` could not start: {exc.strerror}",
                hint=f"check secrets.{name}.command in the workflow",
            ) from None
        value = done.stdout[:-1] if done.stdout.endswith("\n") else done.stdout
        value = value[:-1] if value.endswith("\r") else value
        if done.returncode != 0 or not value:
            what = f"exited with status {done.returncode}" if done.returncode else "printed nothing"
            raise ConfigurationError(
                f"secret {name}: its command `{program}` {what} (its output is not shown: it may hold secrets)",
                hint=f"run `{program}` yourself to see why (signed in? the entry exists?)",
            )
        return value
