"""LLM call cassettes: record real answers once (`--record FILE`), replay them with no network (`--replay`).

A cassette is JSONL: a header line `{"cassette_version": 1}`, then one `{key, request, response}` line per
call, appended and flushed as each call completes, so a run killed half-way still leaves a usable file.
The key is a SHA-256 of the request's meaning (model, messages, tools, sampling parameters, schema); it
leaves out the timeout and anything endpoint- or credential-shaped, so a cassette recorded against one
endpoint replays anywhere. A cassette is meant to be shared (examples ship theirs), so each line passes
the secret filter (`scrub`) before it is written: a key that turns up in a reply, a tool result or the
run's input is stored masked, and the line's key is the hash of the masked request (a replay hashes the
masked request too, so the two meet).

A replay that finds no answer is a run error (exit 1), unless the cassette stands in for missing keys
(`missing_secrets`, a shipped example run without its key): then the real cause is the missing key, and
the error is the exit-3 one naming it.

Identical requests recorded several times replay in recorded order, and the last answer repeats after
that. A request that is not in the cassette is an error naming the cassette and the request, never a
silent network call.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from aixgo_cli.errors import ConfigurationError, RunError, UserError
from aixgo_cli.providers.protocol import LLMClient, TokenCallback
from aixgo_cli.providers.types import ChatRequest, ChatResponse

CASSETTE_VERSION = 1
_EXCLUDED_PARAMS = frozenset({"api_key", "api_base", "base_url", "extra_headers", "timeout"})


Scrub = Callable[[str], str]


def keep_text(text: str) -> str:
    return text


def _scrubbed(value: Any, scrub: Scrub) -> Any:
    """A JSON-like value with every string (dictionary keys included) passed through `scrub`."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {scrub(str(k)): _scrubbed(v, scrub) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrubbed(v, scrub) for v in value]
    return value


def _keyed_fields(request: ChatRequest, scrub: Scrub = keep_text) -> dict[str, Any]:
    """The request as stored and hashed: without the timeout and endpoint or credential parameters, and
    with every string scrubbed of secrets."""
    data = request.to_json()
    data.pop("timeout_s", None)
    data.pop("retry", None)
    data["params"] = {k: v for k, v in data["params"].items() if k not in _EXCLUDED_PARAMS}
    scrubbed: dict[str, Any] = _scrubbed(data, scrub)
    return scrubbed


def request_key(request: ChatRequest, scrub: Scrub = keep_text) -> str:
    data = _keyed_fields(request, scrub)
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _summary(request: ChatRequest) -> str:
    text = request.last_user_text().replace("\n", " ")
    if len(text) > 80:
        text = text[:77] + "..."
    return f"model={request.model}, {len(request.messages)} messages, last user message '{text}'"


class RecordingClient:
    """Passes calls to `inner` and appends each answered call to the cassette."""

    def __init__(self, inner: LLMClient, path: Path, *, scrub: Scrub = keep_text) -> None:
        self._inner = inner
        self._path = Path(path)
        self._lock = threading.Lock()
        self._scrub = scrub

    def complete(self, request: ChatRequest, *, on_token: TokenCallback | None = None) -> ChatResponse:
        response = self._inner.complete(request, on_token=on_token)
        line = {
            "key": request_key(request, self._scrub),
            "request": _keyed_fields(request, self._scrub),
            "response": _scrubbed(response.to_json(), self._scrub),
        }
        text = json.dumps(line, sort_keys=True, ensure_ascii=False) + "\n"
        with self._lock:
            is_new = not self._path.exists() or self._path.stat().st_size == 0
            with self._path.open("a", encoding="utf-8") as file:
                if is_new:
                    file.write(json.dumps({"cassette_version": CASSETTE_VERSION}) + "\n")
                file.write(text)
        return response


class ReplayingClient:
    """Answers only from a cassette; makes no network call."""

    def __init__(self, path: Path, *, scrub: Scrub = keep_text, missing_secrets: Sequence[str] = ()) -> None:
        self._path = Path(path)
        self._scrub = scrub
        self._missing = list(missing_secrets)
        self._answers: dict[str, list[ChatResponse]] = defaultdict(list)
        self._served: dict[str, int] = defaultdict(int)
        self._lock = threading.Lock()
        self._load()

    def _load(self) -> None:
        try:
            lines = self._path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise UserError(
                f"cannot read cassette {self._path}: {exc.strerror or exc}",
                hint="Record one first: aixgo run WORKFLOW --record FILE",
            ) from None
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                entry: dict[str, Any] = json.loads(line)
                if "cassette_version" in entry:
                    self._check_version(entry["cassette_version"])
                    continue
                if entry.get("kind") == "embedding":  # replayed by providers.embeddings
                    continue
                self._answers[str(entry["key"])].append(ChatResponse.from_json(entry["response"]))
            except (ValueError, KeyError, TypeError) as exc:
                raise UserError(
                    f"{self._path}:{number}: not a cassette entry ({exc})",
                    hint="Record the cassette again: aixgo run WORKFLOW --record FILE",
                ) from None

    def _check_version(self, version: Any) -> None:
        if version != CASSETTE_VERSION:
            raise UserError(
                f"cassette {self._path} has format version {version}; this aixgo reads {CASSETTE_VERSION}",
                hint="Record the cassette again: aixgo run WORKFLOW --record FILE",
            )

    def complete(self, request: ChatRequest, *, on_token: TokenCallback | None = None) -> ChatResponse:
        key = request_key(request, self._scrub)
        with self._lock:
            answers = self._answers.get(key)
            if not answers and self._missing:
                raise self._missing_key_error(request)
            if not answers:
                raise RunError(
                    f"cassette {self._path} has no recorded answer for this request: {_summary(request)} "
                    f"(key {key[:12]})",
                    hint="The workflow or its inputs changed since recording; record again with: "
                    "aixgo run WORKFLOW --record FILE",
                )
            index = min(self._served[key], len(answers) - 1)
            self._served[key] += 1
        response = answers[index]
        if on_token is not None and response.content:
            on_token(response.content)
        # A replayed answer keeps its token counts (they describe the call) but cost nothing this time.
        return replace(response, usage=replace(response.usage, cost_usd=0.0))

    def _missing_key_error(self, request: ChatRequest) -> ConfigurationError:
        """The cassette was standing in for missing keys and cannot answer: the keys are what is needed."""
        names = ", ".join(self._missing)
        plural = "s" if len(self._missing) > 1 else ""
        exports = "\n".join(f"  export {n}=..." for n in self._missing)
        return ConfigurationError(
            f"missing secret{plural}: {names} (the recorded cassette {self._path} has no answer for this "
            f"request, so it needs the provider: {_summary(request)})",
            hint=f"set the key, e.g. `aixgo secrets set {self._missing[0]}`, or in the environment:\n{exports}",
        )
