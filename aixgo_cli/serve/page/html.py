"""The page shell: escaping, the one stylesheet and the one script, and the Content-Security-Policy.

Everything the page shows comes from the journal, and much of that was written by a model: it is untrusted
text. So every value goes through `esc` (HTML escaping, quotes included) before it meets markup, and the
policy forbids any script but the page's own: the stylesheet and the script are fixed strings, allowed by
their sha256 hashes, so even markup that slipped through could not run or load anything. No external
asset, no framework: the page works without JavaScript, and the script only makes it refresh itself.
"""

from __future__ import annotations

import base64
import hashlib
import html
import time
from functools import cache
from typing import Final

STYLE: Final = """
body{font-family:system-ui,sans-serif;margin:0;color:#1a1a1a;background:#fafafa}
header{background:#263238;color:#fff;padding:.6em 1.2em;display:flex;gap:1.5em;align-items:center}
header a{color:#fff;margin-right:1em}
main{padding:1em 1.2em;max-width:80em}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{border-bottom:1px solid #ddd;padding:.35em .6em;text-align:left;vertical-align:top}
th{background:#eceff1}
td.num{text-align:right;font-variant-numeric:tabular-nums}
td.bar{width:30%;min-width:8em}
svg.bar{width:100%;height:.9em;display:block;background:#f1f1f1}
pre{background:#fff;border:1px solid #ddd;padding:.6em;white-space:pre-wrap;overflow-wrap:anywhere;
max-height:30em;overflow:auto}
dl.summary{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}
dl.summary dt{font-weight:600}
.error,.st-failed{color:#b71c1c}
p.error{border:1px solid #b71c1c;background:#ffebee;padding:.5em}
rect.st-completed{fill:#43a047}rect.st-failed{fill:#e53935}rect.st-started{fill:#fbc02d}
span.status{padding:0 .4em;border-radius:.3em;background:#eee}
span.status.st-completed{background:#c8e6c9;color:#1b5e20}
span.status.st-failed{background:#ffcdd2;color:#b71c1c}
span.status.st-running,span.status.st-started,span.status.st-waiting{background:#fff9c4;color:#8d4f00}
span.status.st-paused,span.status.st-interrupted,span.status.st-stale{background:#ffe0b2;color:#8d3c00}
.graph ul{list-style:none;padding-left:1.2em;margin:.2em 0}
.graph section{border:1px solid #b0bec5;border-radius:.4em;padding:.3em .6em;margin:.4em 0;background:#fff}
.graph h3{font-size:1em;margin:.1em 0;color:#37474f}
.graph li.node{border:1px solid #90a4ae;border-radius:.4em;padding:.2em .5em;margin:.25em 0;width:fit-content}
.graph li.node.st-completed{background:#c8e6c9;color:#1b5e20}
.graph li.node.st-failed{background:#ffcdd2;color:#b71c1c}
.graph li.node.st-running{background:#fff9c4;color:#8d4f00}
.graph li.node.st-not-run{background:#eee;color:#424242}
.graph .to{color:#455a64;font-size:.9em}
form.filter{margin:.5em 0 1em}
label{margin-right:.4em}
"""

# Refreshes the parts of a run page that change, when the run's live stream says they did. The stream URL
# and the version the page was rendered at come from data attributes, so the script itself never changes
# (its hash is in the policy).
SCRIPT: Final = """
(function () {
  var parts = document.getElementById("live-parts");
  if (!parts || !window.EventSource || !window.fetch) return;
  var note = document.getElementById("live-note");
  var source = new EventSource(parts.getAttribute("data-live") + "?since=" + parts.getAttribute("data-version"));
  function say(text) { if (note) note.textContent = text; }
  function reload() {
    fetch(window.location.href, {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (text) {
        if (!text) return;
        var fresh = new DOMParser().parseFromString(text, "text/html").getElementById("live-parts");
        var current = document.getElementById("live-parts");
        if (fresh && current) current.replaceWith(document.importNode(fresh, true));
      });
  }
  source.addEventListener("open", function () { say("Updating live."); });
  source.addEventListener("change", reload);
  source.addEventListener("end", function () { source.close(); say("The run has ended."); });
})();
"""


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


@cache
def content_security_policy() -> str:
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src {_sha256(SCRIPT)}",
            f"style-src {_sha256(STYLE)}",
            "img-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


def security_headers() -> dict[str, str]:
    return {
        "Content-Security-Policy": content_security_policy(),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",  # no-referrer would make a browser send `Origin: null`
        "Cache-Control": "no-store",
        "X-Frame-Options": "DENY",
    }


def esc(value: object) -> str:
    """Any value as HTML text: `<`, `>`, `&` and both quotes escaped, so it is safe in text and attributes."""
    return html.escape(str(value), quote=True)


def document(title: str, body: str, *, signed_in: bool = True, live: bool = False) -> str:
    """A whole page around `body` (already-escaped markup)."""
    nav = '<a href="/">Runs</a><a href="/logout">Log out</a>' if signed_in else ""
    script = f"<script>{SCRIPT}</script>" if live else ""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)} · aixgo</title><style>{STYLE}</style></head>"
        f'<body><header><strong>aixgo</strong><nav aria-label="Site">{nav}</nav></header>'
        f"<main>{body}</main>{script}</body></html>\n"
    )


def when(at: float) -> str:
    """A timestamp as a `<time>` element, in UTC (the server's zone means nothing to a browser elsewhere)."""
    stamp = time.gmtime(at)
    return (
        f'<time datetime="{time.strftime("%Y-%m-%dT%H:%M:%SZ", stamp)}">'
        f"{time.strftime('%Y-%m-%d %H:%M:%S', stamp)} UTC</time>"
    )


def seconds(value: float | None) -> str:
    if value is None:
        return "-"
    if value < 60:
        return f"{value:.2f} s"
    minutes, rest = divmod(int(value), 60)
    return f"{minutes} min {rest:02d} s" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"


def cost(usd: float, unknown: bool) -> str:
    if not unknown:
        return f"${usd:.4f}"
    return f"≥${usd:.4f}" if usd else "unknown"


def status_badge(status: str) -> str:
    return f'<span class="status st-{esc(status.replace(" ", "-"))}">{esc(status)}</span>'
