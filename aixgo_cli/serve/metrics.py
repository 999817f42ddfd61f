"""The server's Prometheus metrics, in the text exposition format (version 0.0.4), with no client library.

Counters and histograms are fed by the served runs' event streams and by the HTTP layer; every label
value is one of a small fixed set (a run status, a refusal reason, a workflow name the server loaded),
so nothing a client sends becomes a label.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable

from aixgo_cli.events import Event, LLMCalled, RunFinished, StepFinished

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)


class Histogram:
    def __init__(self, buckets: Iterable[float] = LATENCY_BUCKETS) -> None:
        self.bounds = tuple(buckets)
        self.counts = [0] * len(self.bounds)
        self.total = 0
        self.sum = 0.0

    def observe(self, value: float) -> None:
        self.total += 1
        self.sum += value
        for index, bound in enumerate(self.bounds):
            if value <= bound:
                self.counts[index] += 1

    def lines(self, name: str, labels: str = "") -> list[str]:
        sep = "," if labels else ""
        out = [
            f'{name}_bucket{{{labels}{sep}le="{_number(b)}"}} {c}'
            for b, c in zip(self.bounds, self.counts, strict=True)
        ]
        out.append(f'{name}_bucket{{{labels}{sep}le="+Inf"}} {self.total}')
        wrapped = f"{{{labels}}}" if labels else ""
        out += [f"{name}_sum{wrapped} {_number(self.sum)}", f"{name}_count{wrapped} {self.total}"]
        return out


def _number(value: float) -> str:
    return repr(float(value)) if value != int(value) else str(int(value))


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


class Metrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.runs_finished: dict[str, int] = defaultdict(int)
        self.runs_started = 0
        self.steps = 0
        self.cached_steps = 0
        self.model_calls: dict[str, int] = defaultdict(int)
        self.tokens: dict[str, int] = defaultdict(int)
        self.cost_usd = 0.0
        self.model_latency = Histogram()
        self.run_duration = Histogram()
        self.http_latency = Histogram()
        self.http_requests: dict[str, int] = defaultdict(int)
        self.rate_limited = 0
        self.denied: dict[str, int] = defaultdict(int)
        self.cert_expiry: float | None = None
        self.in_progress = 0

    def observe(self, event: Event) -> None:
        """One event of a served run."""
        with self._lock:
            if isinstance(event, StepFinished):
                if event.cached:
                    self.cached_steps += 1
                else:
                    self.steps += 1
            elif isinstance(event, LLMCalled) and not event.cached:
                self.model_calls[event.model] += 1
                self.tokens["prompt"] += event.prompt_tokens
                self.tokens["completion"] += event.completion_tokens
                self.cost_usd += event.cost_usd
                self.model_latency.observe(event.duration_ms / 1000)
            elif isinstance(event, RunFinished):
                self.runs_finished[event.status] += 1

    def run_started(self) -> None:
        with self._lock:
            self.runs_started += 1
            self.in_progress += 1

    def run_ended(self, seconds: float) -> None:
        with self._lock:
            self.in_progress -= 1
            self.run_duration.observe(seconds)

    def request(self, status: int, seconds: float) -> None:
        with self._lock:
            self.http_requests[f"{status // 100}xx"] += 1
            self.http_latency.observe(seconds)

    def refused(self, reason: str) -> None:
        """A request refused: `rate_limited`, `unauthenticated`, `forbidden`, `busy`, `too_large`."""
        with self._lock:
            if reason == "rate_limited":
                self.rate_limited += 1
            self.denied[reason] += 1

    def render(self) -> str:
        with self._lock:
            out: list[str] = []

            def family(name: str, kind: str, text: str, samples: list[str]) -> None:
                out.extend([f"# HELP {name} {text}", f"# TYPE {name} {kind}", *samples])

            family(
                "aixgo_runs_started_total",
                "counter",
                "Runs started or resumed by this server.",
                [f"aixgo_runs_started_total {self.runs_started}"],
            )
            family(
                "aixgo_runs_finished_total",
                "counter",
                "Served runs by how they ended.",
                [
                    f'aixgo_runs_finished_total{{status="{_label(s)}"}} {n}'
                    for s, n in sorted(self.runs_finished.items())
                ],
            )
            family(
                "aixgo_runs_in_progress",
                "gauge",
                "Served runs in progress now.",
                [f"aixgo_runs_in_progress {self.in_progress}"],
            )
            family(
                "aixgo_steps_total", "counter", "Steps run (not from the journal).", [f"aixgo_steps_total {self.steps}"]
            )
            family(
                "aixgo_cached_steps_total",
                "counter",
                "Steps answered from the journal.",
                [f"aixgo_cached_steps_total {self.cached_steps}"],
            )
            family(
                "aixgo_model_calls_total",
                "counter",
                "Model calls sent, by model.",
                [f'aixgo_model_calls_total{{model="{_label(m)}"}} {n}' for m, n in sorted(self.model_calls.items())],
            )
            family(
                "aixgo_tokens_total",
                "counter",
                "Tokens of the model calls, by kind.",
                [f'aixgo_tokens_total{{kind="{k}"}} {self.tokens.get(k, 0)}' for k in ("prompt", "completion")],
            )
            family(
                "aixgo_cost_usd_total",
                "counter",
                "What the model calls cost, in US dollars.",
                [f"aixgo_cost_usd_total {_number(self.cost_usd)}"],
            )
            family(
                "aixgo_model_call_duration_seconds",
                "histogram",
                "Model call latency.",
                self.model_latency.lines("aixgo_model_call_duration_seconds"),
            )
            family(
                "aixgo_run_duration_seconds",
                "histogram",
                "How long a served run took.",
                self.run_duration.lines("aixgo_run_duration_seconds"),
            )
            family(
                "aixgo_http_request_duration_seconds",
                "histogram",
                "HTTP request latency.",
                self.http_latency.lines("aixgo_http_request_duration_seconds"),
            )
            family(
                "aixgo_http_requests_total",
                "counter",
                "HTTP requests by status class.",
                [f'aixgo_http_requests_total{{code="{c}"}} {n}' for c, n in sorted(self.http_requests.items())],
            )
            family(
                "aixgo_rate_limited_total",
                "counter",
                "Requests refused by the rate limit (429).",
                [f"aixgo_rate_limited_total {self.rate_limited}"],
            )
            family(
                "aixgo_requests_refused_total",
                "counter",
                "Requests refused, by reason.",
                [f'aixgo_requests_refused_total{{reason="{_label(r)}"}} {n}' for r, n in sorted(self.denied.items())],
            )
            if self.cert_expiry is not None:
                family(
                    "aixgo_tls_certificate_expiry_timestamp_seconds",
                    "gauge",
                    "When the server's TLS certificate expires (Unix time).",
                    [f"aixgo_tls_certificate_expiry_timestamp_seconds {_number(self.cert_expiry)}"],
                )
            return "\n".join(out) + "\n"
