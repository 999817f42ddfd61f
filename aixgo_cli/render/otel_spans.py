"""Events to OpenTelemetry spans, exported over OTLP/HTTP: opt-in, off by default.

Enabled by `run --otel`/`resume --otel` or by `OTEL_EXPORTER_OTLP_ENDPOINT` (or
`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) in the environment; otherwise this module is never imported and
nothing is sent anywhere. The OpenTelemetry SDK is imported only here, only then.

A subscriber on the event stream rather than tracing calls inside the engine: the events already say
everything a trace needs (start and end times, model, tokens, cost, finish reason), the engine stays free
of telemetry code, and a replayed or resumed run traces the same way as a live one. Span names and
attributes follow the OpenTelemetry GenAI semantic conventions (`invoke_agent`, `chat`, `execute_tool`,
`gen_ai.request.model`, `gen_ai.usage.input_tokens`, ...). Prompts and outputs are not exported unless
the user asks (`OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true`, see otel_content.py): by default
a span holds sizes, models and costs, never text, so a trace backend never receives what a model read or wrote.

The provider is private to aixgo (not the global one), so it never captures spans of other libraries.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from aixgo_cli.events import (
    Event,
    LLMCalled,
    RunFinished,
    RunPaused,
    RunStarted,
    StepFailed,
    StepFinished,
    StepStarted,
    ToolCalled,
)
from aixgo_cli.render.otel_content import content_attributes, content_requested

ENDPOINT_VARS = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
FLUSH_TIMEOUT_MS = 10_000


def otel_requested(flag: bool) -> bool:
    return flag or any(os.environ.get(name) for name in ENDPOINT_VARS)


def _ns(seconds: float) -> int:
    return int(seconds * 1_000_000_000)


class OtelSpans:
    """Callable event subscriber: one span per run, unit (step), model call and tool call."""

    def __init__(self, exporter: Any = None, *, capture_content: bool | None = None) -> None:
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        if exporter is None:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            exporter = OTLPSpanExporter()  # endpoint and headers from the standard OTEL_* variables
        from aixgo_cli import __version__

        resource = Resource.create(
            {"service.name": os.environ.get("OTEL_SERVICE_NAME", "aixgo"), "service.version": __version__}
        )
        self.provider = TracerProvider(resource=resource)
        self.provider.add_span_processor(BatchSpanProcessor(exporter))
        self.tracer = self.provider.get_tracer("aixgo", __version__)
        self.capture_content = content_requested() if capture_content is None else capture_content
        self._lock = threading.Lock()
        self._run: Any = None
        self._units: dict[str, Any] = {}

    def __call__(self, event: Event) -> None:
        with self._lock:
            self._handle(event)

    def _context(self, span: Any) -> Any:
        from opentelemetry.trace import set_span_in_context

        return set_span_in_context(span) if span is not None else None

    def _handle(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            self._run = self.tracer.start_span(
                f"invoke_workflow {event.workflow}",
                start_time=_ns(event.at),
                attributes={
                    "gen_ai.operation.name": "invoke_workflow",
                    "aixgo.run_id": event.run_id,
                    "aixgo.workflow": event.workflow,
                    "aixgo.resumed": event.resumed,
                },
            )
        elif isinstance(event, StepStarted):
            self._units[event.unit_key] = self.tracer.start_span(
                f"invoke_agent {event.agent}",
                context=self._context(self._run),
                start_time=_ns(event.at),
                attributes={
                    "gen_ai.operation.name": "invoke_agent",
                    "gen_ai.agent.name": event.agent,
                    "aixgo.role": event.role,
                    "aixgo.place": event.place,
                },
            )
        elif isinstance(event, StepFinished | StepFailed):
            self._end_unit(event)
        elif isinstance(event, LLMCalled):
            self._model_call(event)
        elif isinstance(event, ToolCalled):
            self._tool_call(event)
        elif isinstance(event, RunFinished | RunPaused):
            self._end_run(event)

    def _end_unit(self, event: StepFinished | StepFailed) -> None:
        span = self._units.pop(event.unit_key, None)
        if span is None:  # a step answered from the journal starts and ends at once
            span = self.tracer.start_span(
                f"invoke_agent {event.agent}",
                context=self._context(self._run),
                start_time=_ns(event.at),
                attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": event.agent},
            )
        if isinstance(event, StepFinished):
            span.set_attribute("aixgo.cached", event.cached)
            span.set_attribute("aixgo.cost_usd", event.cost_usd)
            span.set_attribute("aixgo.tokens", event.tokens)
        else:
            from opentelemetry.trace import Status, StatusCode

            from aixgo_cli.secrets.redaction import redact

            span.set_status(Status(StatusCode.ERROR, redact(event.error)[:300]))
            span.set_attribute("error.type", "step_failed")
        span.end(end_time=_ns(event.at))

    def _model_call(self, event: LLMCalled) -> None:
        provider, _, _ = event.model.partition("/")
        attributes: dict[str, Any] = {
            "gen_ai.operation.name": "chat",
            "gen_ai.request.model": event.model,
            "gen_ai.provider.name": provider if "/" in event.model else "aixgo.model_service",
            "gen_ai.usage.input_tokens": event.prompt_tokens,
            "gen_ai.usage.output_tokens": event.completion_tokens,
            "aixgo.cost_usd": event.cost_usd,
            "aixgo.cached": event.cached,
            "aixgo.attempts": event.attempts,
        }
        finish = getattr(event, "finish_reason", "")
        if finish:
            attributes["gen_ai.response.finish_reasons"] = [finish]
        if self.capture_content:
            attributes.update(content_attributes(event.exchange))
        start = event.at - event.duration_ms / 1000
        span = self.tracer.start_span(
            f"chat {event.model}",
            context=self._context(self._units.get(event.unit_key, self._run)),
            start_time=_ns(start),
            attributes=attributes,
        )
        span.end(end_time=_ns(event.at))

    def _tool_call(self, event: ToolCalled) -> None:
        from opentelemetry.trace import Status, StatusCode

        span = self.tracer.start_span(
            f"execute_tool {event.tool}",
            context=self._context(self._units.get(event.unit_key, self._run)),
            start_time=_ns(event.at - event.duration_ms / 1000),
            attributes={
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": event.tool,
                "aixgo.cached": event.cached,
            },
        )
        if not event.ok:
            span.set_status(Status(StatusCode.ERROR, "tool call failed"))
        span.end(end_time=_ns(event.at))

    def _end_run(self, event: RunFinished | RunPaused) -> None:
        for span in self._units.values():  # steps cut short by a pause or an interrupt
            span.end(end_time=_ns(event.at))
        self._units.clear()
        if self._run is not None:
            if isinstance(event, RunFinished):
                self._run.set_attribute("aixgo.status", event.status)
                self._run.set_attribute("aixgo.cost_usd", event.cost_usd)
                self._run.set_attribute("aixgo.tokens", event.tokens)
                self._run.set_attribute("aixgo.steps", event.steps)
            else:
                self._run.set_attribute("aixgo.status", "paused")
            self._run.end(end_time=_ns(event.at))
            self._run = None
        self.provider.force_flush(FLUSH_TIMEOUT_MS)

    def close(self) -> None:
        self.provider.shutdown()
