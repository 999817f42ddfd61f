"""`GET /runs/{id}/live`: Server-Sent Events that tell the run page when the run's journal changed.

The stream carries no run data, only "change" (fetch the page again) and "end" (the run has stopped; close):
the page itself is the one rendering, so the stream needs no escaping rules of its own and a stream
reconnected by the browser can never show something the page would not. The journal is polled read-only
in a worker thread (`POLL_S`): the writers are other processes, so there is nothing to subscribe to.
The stream stops when the client goes away, when the run ends or is deleted, and after `MAX_STREAM_S`
(the browser reconnects by itself, so a long run costs no handler that lives for hours).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from aixgo_cli.errors import AixgoError
from aixgo_cli.serve.page.views import ENDED, run_version

POLL_S = 0.5
MAX_STREAM_S = 600.0
RETRY_MS = 2000  # how soon the browser reconnects after the stream closes without "end"


def live_response(request: Request, journal_path: Path, run_id: str, since: str) -> Response:
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no", "X-Content-Type-Options": "nosniff"}
    return StreamingResponse(
        _events(request, journal_path, run_id, since), media_type="text/event-stream", headers=headers
    )


async def _events(request: Request, journal_path: Path, run_id: str, since: str) -> AsyncIterator[str]:
    yield f"retry: {RETRY_MS}\n\n"
    seen = since
    deadline = time.monotonic() + MAX_STREAM_S
    while time.monotonic() < deadline:
        try:
            state = await run_in_threadpool(run_version, journal_path, run_id)
        except AixgoError:
            return  # the journal became unreadable: close; the browser retries, the page says why
        if state is None:
            yield "event: end\ndata: gone\n\n"
            return
        version, status = state
        if version != seen:
            seen = version
            yield f"event: change\ndata: {version}\n\n"
        if status in ENDED:
            yield "event: end\ndata: ended\n\n"
            return
        if await request.is_disconnected():
            return
        await asyncio.sleep(POLL_S)
