"""Tracing is opt-in: without --otel or an OTEL_EXPORTER_OTLP_* endpoint the SDK is never even imported."""

from __future__ import annotations

import sys

import pytest

from aixgo_cli.cli.run_support import make_sink
from aixgo_cli.render.otel_spans import otel_requested


def test_off_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delitem(sys.modules, "opentelemetry.sdk.trace", raising=False)
    assert otel_requested(False) is False
    sink = make_sink(None, quiet=True, stream=False)
    assert getattr(sink, "extra", None) == ()
    assert "opentelemetry.sdk.trace" not in sys.modules


def test_either_setting_turns_it_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", raising=False)
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    assert otel_requested(True) is True
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1")
    assert otel_requested(False) is True
