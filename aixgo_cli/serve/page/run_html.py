"""One run: its summary, its result, its steps as a timeline, each step's output, and its workflow graph.

Outputs and errors are model-written: they pass through the secret redaction filter, are cut to a readable
size and are escaped, in that order (escaping last, so nothing the other two do can reopen markup).
"""

from __future__ import annotations

import json

from aixgo_cli.config.graph_view import build_graph
from aixgo_cli.config.model import Workflow
from aixgo_cli.secrets.redaction import redact
from aixgo_cli.serve.page.graph_html import graph_html
from aixgo_cli.serve.page.html import cost, document, esc, seconds, status_badge, when
from aixgo_cli.serve.page.views import ENDED, RunDetail, StepView, duration_s

MAX_SHOWN_CHARS = 20_000  # of one output; the whole value stays in the journal (`aixgo runs export`)
BAR_MIN = 4  # of 1000: a step too short to see still gets a visible sliver
MAX_STEPS_SHOWN = 500  # a run over thousands of items would make a page no browser scrolls through


def run_page(detail: RunDetail, workflow: Workflow | None) -> str:
    run = detail.run
    live = run.status not in ENDED or detail.view.stale
    title = f"Run {run.run_id}"
    parts = "".join(
        (
            _summary(detail),
            _result(detail),
            _steps(detail),
            _outputs(detail.steps),
            _graph(detail, workflow),
        )
    )
    live_note = '<p id="live-note" aria-live="polite"></p>' if live else ""
    body = (
        f"<h1>{esc(title)}</h1>{live_note}"
        f'<div id="live-parts" data-live="/runs/{esc(run.run_id)}/live" data-version="{esc(detail.version)}">'
        f"{parts}</div>"
    )
    return document(title, body, live=live)


def shown_text(value_json: str | None) -> str:
    """A journaled JSON value as text to show: strings as they are, the rest indented; redacted, cut."""
    if value_json is None:
        return ""
    try:
        value = json.loads(value_json)
    except ValueError:
        value = value_json
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, indent=2)
    text = redact(text)
    if len(text) > MAX_SHOWN_CHARS:
        text = text[:MAX_SHOWN_CHARS] + f"\n… ({len(text) - MAX_SHOWN_CHARS} more characters)"
    return text


def _summary(detail: RunDetail) -> str:
    run, view = detail.run, detail.view
    tokens = f"{'~' if view.notes.tokens_estimated else ''}{run.tokens_in} in + {run.tokens_out} out"
    rows = [
        ("Workflow", esc(run.workflow_name)),
        ("Status", status_badge(view.shown_status)),
        ("Started", when(run.created_at)),
        ("Duration", esc(seconds(duration_s(run)))),
        ("Steps", str(run.steps)),
        ("Tokens", esc(tokens)),
        ("Cost", esc(cost(run.cost_usd, view.notes.cost_unknown))),
    ]
    if run.error:
        rows.append(("Error", f'<span class="error">{esc(redact(run.error))}</span>'))
    if view.stale:
        rows.append(("Note", "recorded as running, but its driver is gone; continue it with <code>aixgo resume</code>"))
    items = "".join(f"<dt>{name}</dt><dd>{value}</dd>" for name, value in rows)
    return _section("summary", "Summary", f'<dl class="summary">{items}</dl>')


def _result(detail: RunDetail) -> str:
    if detail.run.result_json is None:
        return ""
    return (
        '<section aria-labelledby="h-result"><h2 id="h-result">Result</h2>'
        f'<pre id="result">{esc(shown_text(detail.run.result_json))}</pre></section>'
    )


def _steps(detail: RunDetail) -> str:
    if not detail.steps:
        return '<section aria-labelledby="h-steps"><h2 id="h-steps">Steps</h2><p>No step has started yet.</p></section>'
    start = detail.run.created_at
    end = max([start + duration_s(detail.run)] + [s.finished_at or s.started_at for s in detail.steps])
    span = max(end - start, 1e-3)
    rows = "".join(_step_row(step, start, span) for step in detail.steps[:MAX_STEPS_SHOWN])
    return (
        '<section aria-labelledby="h-steps"><h2 id="h-steps">Steps</h2>'
        f"<p>Timeline: each bar runs from the step's start to its end, on the run's {esc(seconds(span))}.</p>"
        '<table id="steps"><thead><tr><th scope="col">Step</th><th scope="col">Status</th>'
        '<th scope="col">Try</th><th scope="col">Timeline</th><th scope="col">Duration</th>'
        '<th scope="col">Model latency</th><th scope="col">Calls</th><th scope="col">Tokens</th>'
        f'<th scope="col">Cost</th></tr></thead><tbody>{rows}</tbody></table>{_more(detail.steps)}</section>'
    )


def _more(steps: tuple[StepView, ...]) -> str:
    hidden = len(steps) - MAX_STEPS_SHOWN
    if hidden <= 0:
        return ""
    return f"<p>The first {MAX_STEPS_SHOWN} steps are shown; {hidden} more: <code>aixgo runs show RUN</code>.</p>"


def _step_row(step: StepView, start: float, span: float) -> str:
    begin = max(step.started_at - start, 0.0)
    finish = max((step.finished_at if step.finished_at is not None else start + span) - start, begin)
    x = round(1000 * begin / span)
    width = max(round(1000 * (finish - begin) / span), BAR_MIN)
    x = min(x, 1000 - width)
    label = f"{step.place}: from {seconds(begin)} to {seconds(finish)}"
    bar = (
        f'<svg class="bar" viewBox="0 0 1000 10" preserveAspectRatio="none" role="img" aria-label="{esc(label)}">'
        f'<rect x="{x}" y="0" width="{width}" height="10" class="st-{esc(step.status)}"/></svg>'
    )
    duration = seconds(step.duration_ms / 1000) if step.duration_ms is not None else "-"
    latency = seconds(step.latency_ms / 1000) if step.latency_ms is not None else "-"
    return (
        f'<tr><th scope="row">{esc(step.place)}</th><td>{status_badge(step.status)}</td>'
        f"<td class=num>{step.attempt}</td><td class=bar>{bar}</td><td class=num>{esc(duration)}</td>"
        f"<td class=num>{esc(latency)}</td><td class=num>{step.llm_calls}</td><td class=num>{step.tokens}</td>"
        f"<td class=num>{esc(cost(step.cost_usd, step.cost_unknown))}</td></tr>"
    )


def _outputs(steps: tuple[StepView, ...]) -> str:
    shown = [s for s in steps[:MAX_STEPS_SHOWN] if s.output_json is not None or s.error]
    if not shown:
        return ""
    items = []
    for step in shown:
        error = f'<p class="error">{esc(redact(step.error))}</p>' if step.error else ""
        output = f"<pre>{esc(shown_text(step.output_json))}</pre>" if step.output_json is not None else ""
        items.append(f"<details><summary>{esc(step.place)} ({esc(step.status)})</summary>{error}{output}</details>")
    return (
        '<section aria-labelledby="h-outputs" id="outputs"><h2 id="h-outputs">Step outputs</h2>'
        f"{''.join(items)}</section>"
    )


def _graph(detail: RunDetail, workflow: Workflow | None) -> str:
    if workflow is None:
        missing = (
            f"<p>The workflow <code>{esc(detail.run.workflow_name)}</code> is not served here, so its graph is "
            "not shown; draw it with <code>aixgo graph WORKFLOW --run RUN</code>.</p>"
        )
        return _section("graph", "Workflow", missing)
    changed = ""
    if workflow.text_hash != detail.run.workflow_hash:
        changed = "<p>The served file has changed since this run started: the graph is of the file as it is now.</p>"
    return _section("graph", "Workflow", changed + graph_html(build_graph(workflow), detail.agent_statuses))


def _section(slug: str, heading: str, content: str) -> str:
    return f'<section aria-labelledby="h-{slug}"><h2 id="h-{slug}">{heading}</h2>{content}</section>'
