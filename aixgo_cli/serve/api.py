"""The HTTP API under /api/v1: start, read, follow, resume, answer and cancel runs.

Bodies and answers are JSON; a refusal is `{"error", "hint", "exit_code"?, "next_step"?}` with the
status a client can act on (400 bad input, 403 role, 404 unknown, 409 state, 429 busy, 503 credentials).
Everything that leaves here passes the secret mask.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aixgo_cli.secrets.redaction import redact
from aixgo_cli.serve.api_json import ApiError, limits_from, run_json, step_json, wait_seconds
from aixgo_cli.serve.gate import principal_of
from aixgo_cli.serve.keys import Principal
from aixgo_cli.serve.runs import RunHandle, ServedRuns
from aixgo_cli.store.records import RunRecord

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import BaseRoute

    from aixgo_cli.serve.auth import Authenticator

SSE_POLL_S = 0.2


async def finished_within(handle: RunHandle, seconds: float) -> bool:
    """Wait (without blocking the event loop) for a run to end; False when `seconds` pass first."""
    if seconds <= 0:
        return handle.done.is_set()
    loop = asyncio.get_running_loop()
    future: asyncio.Future[None] = loop.create_future()

    def resolve() -> None:
        if not future.done():
            future.set_result(None)

    handle.on_done(lambda: _call_soon(loop, resolve))
    try:
        await asyncio.wait_for(asyncio.shield(future), seconds)
    except TimeoutError:
        return False
    return True


def _call_soon(loop: asyncio.AbstractEventLoop, callback: Callable[[], None]) -> None:
    loop.call_soon_threadsafe(callback)


class Api:
    def __init__(self, runs: ServedRuns, auth: Authenticator) -> None:
        self.runs = runs
        self.auth = auth

    def routes(self) -> list[BaseRoute]:
        from starlette.routing import Route

        return [
            Route("/api/v1/workflows", self.list_workflows, methods=["GET"]),
            Route("/api/v1/workflows/{name}/runs", self.start_run, methods=["POST"]),
            Route("/api/v1/runs", self.list_runs, methods=["GET"]),
            Route("/api/v1/runs/{run_id}", self.get_run, methods=["GET"]),
            Route("/api/v1/runs/{run_id}/steps", self.get_steps, methods=["GET"]),
            Route("/api/v1/runs/{run_id}/result", self.get_result, methods=["GET"]),
            Route("/api/v1/runs/{run_id}/events", self.events, methods=["GET"]),
            Route("/api/v1/runs/{run_id}/resume", self.resume, methods=["POST"]),
            Route("/api/v1/runs/{run_id}/answer", self.answer, methods=["POST"]),
            Route("/api/v1/runs/{run_id}/cancel", self.cancel, methods=["POST"]),
        ]

    async def list_workflows(self, request: Request) -> Response:
        principal = principal_of(request.scope)
        items = [
            {
                "name": name,
                "description": wf.raw.get("description"),
                "inputs": {k: dict(v) for k, v in wf.inputs.items()},
                "may_run": principal.may_run(name),
            }
            for name, wf in sorted(self.runs.workflows.items())
        ]
        return _ok({"workflows": items})

    async def list_runs(self, request: Request) -> Response:
        limit = request.query_params.get("limit", "50")
        status = request.query_params.get("status")
        if not limit.isdigit():
            raise ApiError(400, "limit must be a whole number", "?limit=50")
        runs = self.runs.journal.list_runs(limit=min(int(limit), 1000), status=status)  # type: ignore[arg-type]
        return _ok({"runs": [run_json(r) | {"result": None} for r in runs]})

    async def start_run(self, request: Request) -> Response:
        principal = principal_of(request.scope)
        name = request.path_params["name"]
        if name not in self.runs.workflows:
            raise ApiError(404, f"no workflow named {name!r} is served here", "GET /api/v1/workflows lists them")
        self._require_run(request, principal, name)
        body = await _body(request)
        variables = body.get("inputs") or {}
        if not isinstance(variables, dict):
            raise ApiError(
                400, "inputs must be an object of the workflow's declared inputs", '"inputs": {"tone": "formal"}'
            )
        handle = await asyncio.to_thread(
            self.runs.start, principal, name, body.get("input"), variables, limits_from(body)
        )
        return await self._answer_for(handle, wait_seconds(body))

    async def get_run(self, request: Request) -> Response:
        return _ok(run_json(self._run(request)))

    async def get_steps(self, request: Request) -> Response:
        run = self._run(request)
        return _ok({"run_id": run.run_id, "steps": [step_json(u) for u in self.runs.journal.list_units(run.run_id)]})

    async def get_result(self, request: Request) -> Response:
        run = self._run(request)
        if run.status != "completed":
            raise ApiError(
                409, f"run {run.run_id} is {run.status}: it has no result yet", f"GET /api/v1/runs/{run.run_id}"
            )
        return _ok({"run_id": run.run_id, "result": json.loads(run.result_json or "null")})

    async def events(self, request: Request) -> Response:
        from starlette.responses import StreamingResponse

        run = self._run(request)
        after = request.headers.get("last-event-id") or request.query_params.get("after", "0")
        start = int(after) if after.isdigit() else 0
        return StreamingResponse(
            self._event_stream(request, run.run_id, start),
            media_type="text/event-stream",
            headers={"cache-control": "no-store", "x-accel-buffering": "no"},
        )

    async def _event_stream(self, request: Request, run_id: str, after: int) -> Any:
        """The run's journaled events, then new ones as they are written, until the run stops."""
        journal = self.runs.journal
        while True:
            # Whether the run had stopped is read before its events, so its last events are always sent.
            run = await asyncio.to_thread(journal.get_run, run_id)
            stopped = run is None or (run.status != "running" and self.runs.active(run_id) is None)
            for event in await asyncio.to_thread(journal.list_events, run_id, after_seq=after):
                after = event.seq
                yield f"id: {event.seq}\nevent: {event.kind}\ndata: {redact(event.payload_json)}\n\n"
            if stopped:
                yield f"event: end\ndata: {json.dumps({'status': run.status if run else 'gone'})}\n\n"
                return
            if await request.is_disconnected():
                return
            await asyncio.sleep(SSE_POLL_S)

    async def resume(self, request: Request) -> Response:
        body = await _body(request)
        return await self._resume(request, body, None)

    async def answer(self, request: Request) -> Response:
        body = await _body(request)
        answer = body.get("answer")
        if not isinstance(answer, str):
            raise ApiError(400, "answer must be text", '{"answer": "yes"}')
        return await self._resume(request, body, answer)

    async def cancel(self, request: Request) -> Response:
        run = self._run(request)
        self._require_run(request, principal_of(request.scope), run.workflow_name)
        if not self.runs.cancel(run.run_id, by=principal_of(request.scope).name):
            raise ApiError(409, f"run {run.run_id} is not in progress on this server", f"its status: {run.status}")
        return _ok({"run_id": run.run_id, "cancelling": True}, 202)

    async def _resume(self, request: Request, body: dict[str, Any], answer: str | None) -> Response:
        run = self._run(request)
        principal = principal_of(request.scope)
        self._require_run(request, principal, run.workflow_name)
        limits = limits_from(body)
        handle = await asyncio.to_thread(self.runs.resume, principal, run.run_id, answer=answer, limits=limits)
        return await self._answer_for(handle, wait_seconds(body))

    async def _answer_for(self, handle: RunHandle, wait: float) -> Response:
        if await finished_within(handle, wait):
            if handle.error is not None and handle.outcome is None:
                raise handle.error  # refused before it ran: not waiting for an answer, another driver, ...
            record = self.runs.journal.get_run(handle.run_id or "")
            if record is not None:
                return _ok(run_json(record) | {"exit_code": handle.exit_code})
        return _ok({"run_id": handle.run_id, "status": "running", "location": f"/api/v1/runs/{handle.run_id}"}, 202)

    def _run(self, request: Request) -> RunRecord:
        return self.runs.journal.find_run(request.path_params["run_id"])

    def _require_run(self, request: Request, principal: Principal, workflow: str) -> None:
        if not principal.may_run(workflow):
            self.auth.deny(
                "forbidden", path=request.url.path, method=request.method, principal=principal, detail=workflow
            )
            raise ApiError(
                403,
                f"the key {principal.name!r} ({principal.role}) may not run {workflow!r}",
                "ask an admin for a runner key that lists it",
            )


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise ApiError(400, f"the body is not JSON: {exc}", 'send a JSON object, e.g. {"input": "hello"}') from None
    if not isinstance(data, dict):
        raise ApiError(400, "the body must be a JSON object", '{"input": "hello"}')
    return data


def _ok(body: dict[str, Any], status: int = 200) -> Response:
    from starlette.responses import Response

    return Response(redact(json.dumps(body, ensure_ascii=False, default=str)), status, media_type="application/json")
