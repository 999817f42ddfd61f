"""The live status area of `run`/`resume` on a terminal, and the event plumbing around it.

`RunEvents` is what the Runner emits to. It forwards every event to the line renderer (`EventSink`, which
prints one line per step and the JSONL stream) and, on a TTY, keeps one status area below those lines:

    ⠋ 12.4s  items 7/9  steps 23  running: reader[7]/answer, reader[8]/answer
      openai/gpt-4o-mini: 429, retrying in 2 s
      1,234 tokens  $0.0042

Steps answered from the journal on resume are not printed one per line: they are counted and shown as
one line ("↺ 40 steps from the journal") when the first real step starts or the run ends. Retries come
from the provider layer through `on_retry` and become `ModelRetry` events, so `--events` records them
too. Without a TTY nothing here draws: the line renderer alone decides what stderr gets.
"""

from __future__ import annotations

import re
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from aixgo_cli.events import (
    Event,
    LLMCalled,
    ModelRetry,
    RunFinished,
    RunPaused,
    RunStarted,
    StepFailed,
    StepFinished,
    StepStarted,
)

_ITEM = re.compile(r"^([A-Za-z][\w-]*\[\d+\])/")
_MAX_RUNNING_SHOWN = 4


class StatusModel:
    """What the status area shows, updated from events; rendering is separate so it can be tested as text."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.started = clock()
        self.running: dict[str, str] = {}  # unit_key -> place
        self.items_seen: set[str] = set()
        self.items_busy: dict[str, int] = {}
        self.steps_done = 0
        self.failed = 0
        self.cached = 0
        self.tokens = 0
        self.cost = 0.0
        self.retries: dict[str, tuple[str, float]] = {}  # model -> (reason, until)

    def update(self, event: Event) -> None:
        if isinstance(event, StepStarted):
            self.running[event.unit_key] = event.place
            item = _item(event.place)
            if item:
                self.items_seen.add(item)
                self.items_busy[item] = self.items_busy.get(item, 0) + 1
        elif isinstance(event, StepFinished | StepFailed):
            place = self.running.pop(event.unit_key, event.place)
            item = _item(place)
            if item:
                self.items_seen.add(item)
                if item in self.items_busy:
                    self.items_busy[item] -= 1
            if isinstance(event, StepFailed):
                self.failed += 1
            else:
                self.steps_done += 1
                self.cached += event.cached
                if not event.cached:  # what this process spends; journal answers cost nothing now
                    self.tokens += event.tokens
                    self.cost += event.cost_usd
        elif isinstance(event, LLMCalled):
            self.retries.pop(event.model, None)
        elif isinstance(event, ModelRetry):
            self.retries[event.model] = (event.reason, self.clock() + event.delay_s)

    def lines(self) -> list[str]:
        now = self.clock()
        elapsed = now - self.started
        done_items = sum(1 for item in self.items_seen if self.items_busy.get(item, 0) <= 0)
        head = f"{elapsed:5.1f}s"
        if self.items_seen:
            head += f"  items {done_items}/{len(self.items_seen)}"
        head += f"  steps {self.steps_done}" + (f" ({self.failed} failed)" if self.failed else "")
        places = list(self.running.values())
        if places:
            shown = ", ".join(places[:_MAX_RUNNING_SHOWN])
            more = f" +{len(places) - _MAX_RUNNING_SHOWN}" if len(places) > _MAX_RUNNING_SHOWN else ""
            head += f"  running: {shown}{more}"
        out = [head]
        for model, (reason, until) in self.retries.items():
            left = max(0.0, until - now)
            out.append(f"  {model}: {reason}, retrying in {left:.0f} s")
        if self.running and providers_loading():
            out.append("  loading providers (LiteLLM)...")
        out.append(f"  {self.tokens:,} tokens  ${self.cost:.4f}")
        return out


def providers_loading() -> bool:
    """True while LiteLLM is being imported (its module exists but is not initialised yet); never imports it."""
    module = sys.modules.get("litellm")
    return module is not None and getattr(module, "completion", None) is None


def _item(place: str) -> str | None:
    match = _ITEM.match(place)
    return match.group(1) if match else None


def retry_reason(error: Any) -> str:
    status = getattr(error, "status_code", None)
    if status:
        return str(status)
    return str(getattr(error, "kind", "error")).replace("_", " ")


class RunEvents:
    """The Runner's event callback: line renderer, optional extra subscribers, optional live status."""

    def __init__(self, lines: Any, *extra: Callable[[Event], None], console: Any = None) -> None:
        self.lines = lines
        self.extra = extra
        self.run_id = ""
        self._lock = threading.RLock()
        self._model = StatusModel()
        self._live: Any = None
        self._pending_cached = 0
        self._console = console
        if console is not None:
            from rich.live import Live
            from rich.text import Text

            self._live = Live(
                get_renderable=lambda: Text("\n".join(self._model.lines()), style="dim"),
                console=console,
                refresh_per_second=4,
                transient=True,
                redirect_stderr=False,
                redirect_stdout=False,
            )

    def __getattr__(self, name: str) -> Any:
        return getattr(self.lines, name)

    def __call__(self, event: Event) -> None:
        with self._lock:
            if isinstance(event, RunStarted):
                self.run_id = event.run_id
                self._model = StatusModel()
                if self._live is not None and not self._live.is_started:
                    self._live.start()
            self._model.update(event)
            if self._live is not None and isinstance(event, StepFinished) and event.cached:
                self._pending_cached += 1  # summarised in one line, not one line each
            else:
                if self._pending_cached and isinstance(event, StepStarted | StepFinished | StepFailed | RunFinished):
                    self._flush_cached()
                if isinstance(event, RunFinished | RunPaused):
                    self._stop_live()
                self.lines(event)
            for subscriber in self.extra:
                subscriber(event)

    def on_retry(self, notice: Any) -> None:
        """The provider layer's retry hook: called before each wait, from a worker thread."""
        self(
            ModelRetry(
                run_id=self.run_id,
                at=time.time(),
                model=notice.model,
                attempt=notice.attempt,
                delay_s=notice.delay_s,
                reason=retry_reason(notice.error),
            )
        )

    def _flush_cached(self) -> None:
        count, self._pending_cached = self._pending_cached, 0
        if self._console is not None:
            text = f"  ↺ {count} step{'s' * (count != 1)} from the journal"
            self._console.print(text, style="dim", markup=False, highlight=False)

    def _stop_live(self) -> None:
        if self._live is not None and self._live.is_started:
            self._live.stop()


class RetryRelay:
    """Hands provider retry notices to the current run's `RunEvents`; the client is built before it."""

    def __init__(self) -> None:
        self.target: RunEvents | None = None

    def __call__(self, notice: Any) -> None:
        if self.target is not None:
            self.target.on_retry(notice)
