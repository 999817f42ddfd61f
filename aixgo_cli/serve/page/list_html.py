"""The runs list: newest first, filterable by status."""

from __future__ import annotations

from aixgo_cli.serve.page.html import cost, document, esc, seconds, status_badge, when
from aixgo_cli.serve.page.views import LIST_LIMIT, duration_s
from aixgo_cli.store.leases import RunView
from aixgo_cli.store.records import RUN_STATUSES


def list_page(views: list[RunView], status: str | None, error: str | None = None) -> str:
    options = ['<option value="">any</option>'] + [
        f'<option value="{esc(s)}"{" selected" if s == status else ""}>{esc(s)}</option>' for s in RUN_STATUSES
    ]
    body = [
        "<h1>Runs</h1>",
        '<form class="filter" method="get" action="/">'
        f'<label for="status">Status</label><select id="status" name="status">{"".join(options)}</select> '
        '<button type="submit">Filter</button></form>',
    ]
    if error:
        body.append(f'<p class="error" role="alert">{esc(error)}</p>')
    if not views:
        shown = f" with status {esc(status)}" if status else ""
        body.append(f"<p>No runs{shown} yet. Start one with <code>aixgo run WORKFLOW</code>.</p>")
        return document("Runs", "".join(body))
    rows = "".join(_row(view) for view in views)
    body.append(
        f'<table id="runs"><caption>Newest first (at most {LIST_LIMIT})</caption><thead><tr>'
        '<th scope="col">Run</th><th scope="col">Workflow</th><th scope="col">Status</th>'
        '<th scope="col">Started</th><th scope="col">Duration</th><th scope="col">Steps</th>'
        '<th scope="col">Tokens</th><th scope="col">Cost</th>'
        f"</tr></thead><tbody>{rows}</tbody></table>"
    )
    return document("Runs", "".join(body))


def _row(view: RunView) -> str:
    run = view.run
    tokens = run.tokens_in + run.tokens_out
    return (
        f'<tr><th scope="row"><a href="/runs/{esc(run.run_id)}">{esc(run.run_id)}</a></th>'
        f"<td>{esc(run.workflow_name)}</td><td>{status_badge(view.shown_status)}</td>"
        f"<td>{when(run.created_at)}</td><td class=num>{esc(seconds(duration_s(run)))}</td>"
        f"<td class=num>{run.steps}</td>"
        f"<td class=num>{'~' if view.notes.tokens_estimated else ''}{tokens}</td>"
        f"<td class=num>{esc(cost(run.cost_usd, view.notes.cost_unknown))}</td></tr>"
    )
