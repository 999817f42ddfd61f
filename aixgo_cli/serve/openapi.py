"""The OpenAPI 3.1 document of the HTTP API, written by hand (the routes are few and stable)."""

from __future__ import annotations

from typing import Any

from aixgo_cli import __version__

_ERROR = {"$ref": "#/components/schemas/Error"}
_RUN = {"$ref": "#/components/schemas/Run"}


def _response(
    description: str, schema: dict[str, Any] | None = None, media: str = "application/json"
) -> dict[str, Any]:
    out: dict[str, Any] = {"description": description}
    if schema is not None:
        out["content"] = {media: {"schema": schema}}
    return out


_REFUSALS = {
    "401": _response("No valid key.", _ERROR),
    "403": _response("The key's role or workflow allowlist does not allow this.", _ERROR),
    "404": _response("No such run or workflow.", _ERROR),
    "429": _response("Rate limited or no run slot free; see Retry-After.", _ERROR),
}
_RUN_ID = {
    "name": "run_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string"},
    "description": "A run id or a unique prefix.",
}
_LIMITS = {
    "max_steps": {"type": "integer", "minimum": 1},
    "max_tokens": {"type": "integer", "minimum": 1},
    "budget_usd": {"type": "number", "exclusiveMinimum": 0},
    "timeout": {"type": "string", "description": "A duration such as 90s or 5m; the run pauses after it."},
    "wait": {
        "type": "number",
        "minimum": 0,
        "maximum": 300,
        "description": "Seconds to wait for the run to end (0: answer 202 at once).",
    },
}


def _run_answer(description: str) -> dict[str, Any]:
    return {
        "200": _response("The run ended within `wait`.", _RUN),
        "202": _response(description, {"$ref": "#/components/schemas/Started"}),
        **_REFUSALS,
    }


def _post(
    summary: str, body: dict[str, Any], responses: dict[str, Any], params: list[Any] | None = None
) -> dict[str, Any]:
    return {
        "post": {
            "summary": summary,
            "parameters": params or [],
            "requestBody": {"required": False, "content": {"application/json": {"schema": body}}},
            "responses": responses,
        }
    }


def _get(summary: str, responses: dict[str, Any], params: list[Any] | None = None) -> dict[str, Any]:
    return {"get": {"summary": summary, "parameters": params or [], "responses": {**responses, **_REFUSALS}}}


def openapi_document(workflows: list[str]) -> dict[str, Any]:
    start_body = {
        "type": "object",
        "properties": {
            "input": {"description": "The run's input (text or JSON)."},
            "inputs": {"type": "object", "description": "Values of the workflow's declared inputs."},
            **_LIMITS,
        },
        "additionalProperties": True,
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "aixgo serve", "version": __version__},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {
                    "type": "object",
                    "properties": {
                        "error": {"type": "string"},
                        "hint": {"type": "string"},
                        "exit_code": {"type": "integer"},
                    },
                    "required": ["error"],
                },
                "Started": {
                    "type": "object",
                    "properties": {
                        "run_id": {"type": "string"},
                        "status": {"type": "string"},
                        "location": {"type": "string"},
                    },
                },
                "Run": {
                    "type": "object",
                    "properties": {
                        "run_id": {"type": "string"},
                        "workflow": {"type": "string"},
                        "status": {
                            "type": "string",
                            "enum": ["running", "completed", "failed", "paused", "waiting", "interrupted"],
                        },
                        "error": {"type": ["string", "null"]},
                        "usage": {"type": "object"},
                        "result": {},
                        "exit_code": {"type": "integer"},
                    },
                    "required": ["run_id", "status"],
                },
            },
        },
        "security": [{"bearer": []}],
        "paths": {
            "/api/v1/workflows": _get("The served workflows.", {"200": _response("Workflows.", {"type": "object"})}),
            "/api/v1/workflows/{name}/runs": _post(
                "Start a run.",
                start_body,
                _run_answer("Started; follow it at `location`."),
                [{"name": "name", "in": "path", "required": True, "schema": {"type": "string", "enum": workflows}}],
            ),
            "/api/v1/runs": _get("Recent runs.", {"200": _response("Runs.", {"type": "object"})}),
            "/api/v1/runs/{run_id}": _get("A run.", {"200": _response("The run.", _RUN)}, [_RUN_ID]),
            "/api/v1/runs/{run_id}/steps": _get(
                "A run's steps.", {"200": _response("Steps.", {"type": "object"})}, [_RUN_ID]
            ),
            "/api/v1/runs/{run_id}/result": _get(
                "A completed run's result.",
                {"200": _response("The result.", {"type": "object"}), "409": _response("Not completed.", _ERROR)},
                [_RUN_ID],
            ),
            "/api/v1/runs/{run_id}/events": _get(
                "The run's events as Server-Sent Events (Last-Event-ID continues).",
                {"200": _response("An event stream.", {"type": "string"}, "text/event-stream")},
                [_RUN_ID],
            ),
            "/api/v1/runs/{run_id}/resume": _post(
                "Resume a paused, interrupted or failed run.",
                {"type": "object", "properties": _LIMITS},
                _run_answer("Resumed."),
                [_RUN_ID],
            ),
            "/api/v1/runs/{run_id}/answer": _post(
                "Answer a waiting run and resume it.",
                {"type": "object", "properties": {"answer": {"type": "string"}, **_LIMITS}, "required": ["answer"]},
                _run_answer("Answered and resumed."),
                [_RUN_ID],
            ),
            "/api/v1/runs/{run_id}/cancel": _post(
                "Cancel a run in progress (it ends as interrupted, and can be resumed).",
                {"type": "object"},
                {
                    "202": _response("Cancelling.", {"type": "object"}),
                    "409": _response("Not in progress here.", _ERROR),
                    **_REFUSALS,
                },
                [_RUN_ID],
            ),
            "/healthz": {"get": {"summary": "Alive.", "security": [], "responses": {"200": _response("OK.")}}},
            "/readyz": {
                "get": {
                    "summary": "Ready to serve.",
                    "security": [],
                    "responses": {"200": _response("Ready."), "503": _response("Starting.")},
                }
            },
            "/metrics": _get(
                "Prometheus metrics.", {"200": _response("Text format 0.0.4.", {"type": "string"}, "text/plain")}
            ),
        },
    }
