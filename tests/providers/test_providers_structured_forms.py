"""A model service declares the structured-output form its server accepts, and that is what is sent;
`structured_output.mode: native` sends `json_schema` even where LiteLLM's map does not flag the model (local
servers enforce it); a service can force `tool_choice`. The stub records what each request carried."""

from __future__ import annotations

import json

import pytest
from tests.engine.engine_helpers import Harness
from tests.providers.providers_helpers import SecretBook, ask
from tests.support.e2e import STUB_KEY, stub_service

from aixgo_cli.engine.runner import RunParams
from aixgo_cli.providers.litellm_client import LiteLLMClient
from aixgo_cli.providers.model_ref import ModelResolver
from aixgo_cli.providers.stack import build_client
from aixgo_cli.providers.types import ChatMessage, ChatRequest, ToolSpec
from aixgo_cli.testing.stub_model_server import StubModelServer

SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
LOOKUP = ToolSpec("lookup", "Look something up", {"type": "object", "properties": {}})


def client(stub: StubModelServer, **service: object) -> LiteLLMClient:
    entry = {"name": "local", "provider": "openai_compatible", "model": "qwen", "api_base": stub.base_url}
    return LiteLLMClient(SecretBook({"K": "sk-test"}), ModelResolver([entry | {"api_key_secret": "K"} | service]))


def sent(stub: StubModelServer) -> dict[str, object]:
    return dict(stub.stats()["requests"][-1])


@pytest.mark.parametrize(
    ("declared", "response_format"),
    [
        ("json_schema", {"type": "json_schema", "json_schema": {"name": "response", "schema": SCHEMA}}),
        ("json_object", {"type": "json_object"}),
        ("none", None),
    ],
)
def test_the_declared_form_is_what_is_sent(
    stub: StubModelServer, declared: str, response_format: dict[str, object] | None
) -> None:
    stub.script(['{"city": "Oslo"}'])
    reply = client(stub, structured_output=declared).complete(ask("q", model="local", response_schema=SCHEMA))
    assert reply.content == '{"city": "Oslo"}'
    assert sent(stub)["response_format"] == response_format


def test_the_tools_form_forces_one_tool_call_and_returns_its_arguments_as_the_reply(stub: StubModelServer) -> None:
    stub.script([{"tool_calls": [{"name": "structured_reply", "arguments": {"city": "Oslo"}}]}])
    reply = client(stub, structured_output="tools").complete(ask("q", model="local", response_schema=SCHEMA))
    assert json.loads(reply.content or "") == {"city": "Oslo"} and reply.tool_calls == ()
    request = sent(stub)
    assert request["tool_choice"] == {"type": "function", "function": {"name": "structured_reply"}}
    assert request["has_tools"] is True and request["response_format"] is None


def test_without_a_declaration_auto_sends_nothing_and_native_sends_json_schema(stub: StubModelServer) -> None:
    stub.script(["{}", "{}"])
    local = client(stub)
    local.complete(ask("q", model="local", response_schema=SCHEMA))
    assert sent(stub)["response_format"] is None  # auto: LiteLLM's map does not know this model
    local.complete(ask("q", model="local", response_schema=SCHEMA, structured_mode="native"))
    assert sent(stub)["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "response", "schema": SCHEMA},
    }


def test_a_service_can_force_tool_choice(stub: StubModelServer) -> None:
    stub.script(["plain", "plain"])
    forced = client(stub, tool_choice="required")
    forced.complete(ChatRequest("local", (ChatMessage("user", "q"),), tools=(LOOKUP,)))
    assert sent(stub)["tool_choice"] == "required"
    forced.complete(ask("q", model="local"))
    assert sent(stub)["tool_choice"] is None  # no tools offered: nothing to choose


def test_the_request_form_is_unchanged_unless_native_is_asked_for() -> None:
    assert "structured_mode" not in ask("q").to_json_text()
    assert '"structured_mode":"native"' in ask("q", structured_mode="native").to_json_text()


def test_an_agent_in_native_mode_gets_json_schema_from_an_undeclared_local_server(
    mem: Harness, stub: StubModelServer
) -> None:
    mem.write(
        "version: 1\nname: native\n"
        + stub_service(stub)
        + "agents:\n  - name: a\n    role: react\n    model: stub\n    prompt: 'Where? {{ input }}'\n"
        + "    structured_output:\n      mode: native\n      schema:\n"
        + "        type: object\n        properties: {city: {type: string}}\n        required: [city]\n"
    )
    stub.script(['{"city": "Oslo"}'])
    services = [dict(s) for s in mem.load().model_services.values()]

    outcome = mem.start(build_client(lambda name: STUB_KEY, services), RunParams(input="x"))

    assert outcome.status == "completed", outcome.error
    assert outcome.result == {"city": "Oslo"}
    response_format = sent(stub)["response_format"]
    assert isinstance(response_format, dict) and response_format["type"] == "json_schema"
