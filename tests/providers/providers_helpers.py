"""Small helpers shared by the provider tests (imported by module name: pytest puts this dir on sys.path)."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from aixgo_cli.providers.types import ChatMessage, ChatRequest

PLANTED_SECRET = "sk-planted-XYZ123"


class SecretBook:
    """A `get_secret` that knows a fixed set of values and records every name asked for."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        self.asked: list[str] = []

    def __call__(self, name: str) -> str:
        self.asked.append(name)
        return self.values[name]


class NoSecrets:
    """A `get_secret` for local runtimes: being asked at all is a failure."""

    def __call__(self, name: str) -> str:
        raise AssertionError(f"no secret should be needed, but {name} was asked for")


class Sleeps:
    """An injectable sleep that records the waits instead of waiting."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


class FakeClock:
    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def ask(text: str, model: str = "openai/test", **kwargs: Any) -> ChatRequest:
    return ChatRequest(model=model, messages=(ChatMessage("user", text),), **kwargs)


def http_call(method: str, url: str, body: Any = None) -> tuple[int, dict[str, str], Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()
