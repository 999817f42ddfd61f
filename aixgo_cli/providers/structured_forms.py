"""How a request asks a server for JSON that matches a schema, in the form that server accepts.

OpenAI-style `response_format: json_schema` is enforced by OpenAI and by local servers (llama.cpp,
vLLM, Ollama), but LiteLLM's model map flags only the hosted models it knows; other servers accept only
JSON mode, or only tool calls. A model service can declare its form (`structured_output:`), and an agent
with `structured_output.mode: native` gets `json_schema` even where the map is silent. The `tools` form
offers the schema as one tool the model is forced to call; its arguments are the reply.
"""

from __future__ import annotations

from typing import Any

from aixgo_cli.providers.model_ref import ResolvedModel
from aixgo_cli.providers.types import ChatRequest


def structured_form(litellm: Any, request: ChatRequest, resolved: ResolvedModel) -> str:
    """How to ask this server for JSON matching the request's schema: what the service declares; else
    `json_schema` where LiteLLM's map says the model supports it, or where the agent asked for `native`
    (llama.cpp, vLLM and Ollama enforce it; the map does not know them); else `none` (prompt only)."""
    if resolved.structured_output:
        return resolved.structured_output
    if request.structured_mode == "native" or litellm.supports_response_schema(model=resolved.litellm_model):
        return "json_schema"
    return "none"


def structured_kwargs(form: str, request: ChatRequest) -> dict[str, Any]:
    schema = dict(request.response_schema or {})
    if form == "json_schema":
        return {"response_format": {"type": "json_schema", "json_schema": {"name": "response", "schema": schema}}}
    if form == "json_object":
        return {"response_format": {"type": "json_object"}}
    if form == "tools" and not request.tools:
        # The schema as the parameters of one tool the model must call; its arguments are the reply.
        tool = {"name": STRUCTURED_TOOL, "description": "Give the reply as JSON.", "parameters": schema}
        return {
            "tools": [{"type": "function", "function": tool}],
            "tool_choice": {"type": "function", "function": {"name": STRUCTURED_TOOL}},
        }
    return {}


STRUCTURED_TOOL = "structured_reply"


def asked_as_tool(kwargs: dict[str, Any]) -> bool:
    choice = kwargs.get("tool_choice")
    return isinstance(choice, dict) and choice.get("function", {}).get("name") == STRUCTURED_TOOL
