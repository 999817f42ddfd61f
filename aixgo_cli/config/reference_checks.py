"""Names and references: duplicates, models, tools, MCP servers, and role-specific blocks."""

from __future__ import annotations

from typing import Any

from aixgo_cli.config.context import CheckContext, Named, named_entries
from aixgo_cli.config.model_prefixes import (
    KNOWN_PROVIDERS,
    TEST_ONLY_PREFIX,
    looks_like_known_bare_model,
    unknown_prefix,
)
from aixgo_cli.config.role_checks import check_role_config
from aixgo_cli.schema.positions import position
from aixgo_cli.schema.suggest import did_you_mean, did_you_mean_or_list, one_of

ROLE_BLOCKS = {
    "classifier_config": "classifier",
    "aggregator_config": "aggregator",
    "planner_config": "planner",
    "producer_config": "producer",
    "logger_config": "logger",
    "react_config": "react",
    "guided_config": "react",
}
ROLES = ("producer", "react", "classifier", "aggregator", "planner", "logger")
LLM_ROLES = {"react", "classifier", "planner"}
DETERMINISTIC_VOTES = {"voting_majority", "voting_unanimous", "voting_weighted", "voting_confidence"}
_SECTIONS = ("agents", "tools", "model_services", "mcp_servers")


def check_references(ctx: CheckContext) -> None:
    _check_duplicates(ctx)
    for agent in ctx.all_agents:
        _check_agent(ctx, agent)
    _check_inputs(ctx)
    _check_endpoints(ctx)


# LiteLLM providers with no default endpoint: without `api_base` LiteLLM sends the request to a host name
# built from nothing, and the DNS failure looks like a flaky network. (`runtime: vllm` has a default.)
_ENDPOINT_REQUIRED = ("hosted_vllm",)
_ENDPOINT_HINT = (
    "add a model_services entry with `runtime: vllm` (default http://localhost:8000/v1) or with "
    "`api_base: http://HOST:PORT/v1`, and name that entry in `model:`"
)


def _check_endpoints(ctx: CheckContext) -> None:
    for agent in ctx.all_agents:
        model = agent.body.get("model")
        if isinstance(model, str) and model not in ctx.services and model.split("/", 1)[0] in _ENDPOINT_REQUIRED:
            ctx.error(
                ("agents", agent.index, "model"),
                "missing-endpoint",
                f"agent '{agent.name}' uses model '{model}', whose server has no default address",
                _ENDPOINT_HINT,
            )
    for service in named_entries(ctx.data, "model_services"):
        body = service.body
        provider = str(body.get("provider") or "")
        model = str(body.get("model") or "")
        config = body.get("config")
        config = config if isinstance(config, dict) else {}
        has_base = body.get("api_base") or config.get("address") or config.get("endpoint")
        named = provider in ("vllm", *_ENDPOINT_REQUIRED) or model.split("/", 1)[0] in _ENDPOINT_REQUIRED
        if named and not has_base and body.get("runtime") is None:
            ctx.error(
                ("model_services", service.index),
                "missing-endpoint",
                f"model service '{service.name}' talks to a vLLM server but gives no `api_base`",
                "add `api_base: http://HOST:PORT/v1` (or use `runtime: vllm` for http://localhost:8000/v1)",
                at_key=True,
            )


def _check_duplicates(ctx: CheckContext) -> None:
    for section in _SECTIONS:
        seen: dict[str, Named] = {}
        for entry in named_entries(ctx.data, section):
            if entry.name in seen:
                first_line = position(ctx.loaded.root, (section, seen[entry.name].index, "name"))[0]
                ctx.error(
                    (section, entry.index, "name"),
                    "duplicate-name",
                    f"the name '{entry.name}' is used twice in {section} (first on line {first_line})",
                    "give each entry its own name",
                )
            else:
                seen[entry.name] = entry
    for name in ctx.flows:
        if name in ctx.agents:
            ctx.error(
                ("flows", name),
                "duplicate-name",
                f"the flow '{name}' has the same name as an agent",
                "patterns refer to agents and flows by name: rename one of them",
                at_key=True,
            )


def _check_agent(ctx: CheckContext, agent: Named) -> None:
    body, base = agent.body, ("agents", agent.index)
    role = body.get("role") if isinstance(body.get("role"), str) else None  # the schema reports others
    for block, owner in ROLE_BLOCKS.items():
        # An unknown role is reported by the schema; blaming its blocks too would repeat that error.
        if block in body and role in ROLES and role != owner:
            ctx.error(
                (*base, block),
                "wrong-role-block",
                f"agent '{agent.name}' has {block}, which only role {owner} reads (its role is {role})",
                f"remove {block}, or change the role to {owner}",
                at_key=True,
            )
    _check_structured_output(ctx, agent, role)
    _check_model(ctx, agent, role)
    _check_tools(ctx, agent, role)
    if "incomplete_reply" in body and role in ROLES and not _needs_model(body, role):
        ctx.warning(
            (*base, "incomplete_reply"),
            "unused-key",
            f"agent '{agent.name}' ({role}) calls no model, so incomplete_reply never applies",
            "remove incomplete_reply",
            at_key=True,
        )
    check_role_config(ctx, agent, role)


_OWN_SCHEMA_ROLES = ("classifier", "aggregator", "planner")


def _check_structured_output(ctx: CheckContext, agent: Named, role: Any) -> None:
    block = agent.body.get("structured_output")
    if not isinstance(block, dict) or not isinstance(role, str):
        return
    at = ("agents", agent.index, "structured_output")
    if role in ("producer", "logger"):
        ctx.error(
            at,
            "wrong-role-block",
            f"agent '{agent.name}' is a {role}; it makes no model call, so structured_output has nothing to shape",
            "remove structured_output",
            at_key=True,
        )
    elif role == "react" and "schema" not in block:
        ctx.error(
            at,
            "missing-key",
            f"react agent '{agent.name}' has structured_output but no schema",
            "add structured_output.schema: the JSON Schema its final answer must satisfy",
            at_key=True,
        )
    elif role in _OWN_SCHEMA_ROLES and "schema" in block:
        ctx.warning(
            (*at, "schema"),
            "unused-key",
            f"a {role} builds its own reply schema, so "
            "structured_output.schema is ignored (mode and max_retries apply)",
            "remove structured_output.schema",
            at_key=True,
        )


def _needs_model(body: dict[str, Any], role: Any) -> bool:
    if role in LLM_ROLES:
        return True
    if role == "aggregator":
        config = body.get("aggregator_config")
        strategy = config.get("aggregation_strategy", "consensus") if isinstance(config, dict) else "consensus"
        return not (isinstance(strategy, str) and strategy in DETERMINISTIC_VOTES)
    return False


def _check_model(ctx: CheckContext, agent: Named, role: Any) -> None:
    body, base = agent.body, ("agents", agent.index)
    model = body.get("model")
    if model is None:
        if "model" not in body and _needs_model(body, role):  # `model:` left empty: the schema says so
            hint = "add `model: openai/gpt-4o-mini` or the name of a model_services entry"
            if ctx.services:
                hint = f"add `model:` with a LiteLLM model id or one of: {one_of(ctx.services)}"
            ctx.error(base, "missing-model", f"agent '{agent.name}' (role {role}) needs a model", hint)
        return
    if not isinstance(model, str):
        return
    if not _needs_model(body, role) and role in ("producer", "logger"):
        ctx.warning(
            (*base, "model"),
            "unused-model",
            f"agent '{agent.name}' is a {role}; it never calls a model, so `model` is ignored",
            "remove `model:`",
            at_key=True,
        )
    if model in ctx.services:
        return
    if "/" in model:
        prefix = unknown_prefix(model)
        if prefix == TEST_ONLY_PREFIX:
            ctx.warning(
                (*base, "model"),
                "test-only-model",
                f"agent '{agent.name}' uses model '{model}', which only aixgo's scripted test client answers; "
                "`run` refuses it",
                "write a provider LiteLLM knows (openai/, anthropic/, ollama_chat/...) or a model_services name",
            )
        elif prefix is not None:
            ctx.error(
                (*base, "model"),
                "unknown-provider",
                f"agent '{agent.name}' uses model '{model}', but '{prefix}' is not a provider LiteLLM knows",
                did_you_mean(prefix, sorted(KNOWN_PROVIDERS))
                or "write a provider LiteLLM knows (openai/, anthropic/, gemini/, ollama_chat/...) or the name "
                "of a model_services entry",
            )
        return
    guess = did_you_mean(model, ctx.services)
    if guess:
        ctx.error(
            (*base, "model"),
            "unknown-model",
            f"agent '{agent.name}' uses model '{model}', which is neither a model_services entry "
            "nor a provider/model id",
            guess,
        )
    elif not looks_like_known_bare_model(model):
        ctx.error(
            (*base, "model"),
            "unknown-model",
            f"agent '{agent.name}' uses model '{model}', which is neither a model_services entry "
            "nor a provider/model id",
            "write the provider prefix (openai/gpt-4o-mini, anthropic/claude-3-5-haiku-latest, "
            "ollama_chat/llama3.2) or add a model_services entry with this name",
        )


def _check_tools(ctx: CheckContext, agent: Named, role: Any) -> None:
    body, base = agent.body, ("agents", agent.index)
    tools = body.get("tools")
    servers = body.get("mcp_servers")
    if role in ROLES and role != "react":
        for key, value in (("tools", tools), ("mcp_servers", servers)):
            if value:
                ctx.error(
                    (*base, key),
                    "wrong-role-block",
                    f"agent '{agent.name}' lists {key}, but only role react calls tools",
                    f"remove {key}, or make the agent role react",
                    at_key=True,
                )
    own_servers = [s for s in servers if isinstance(s, str)] if isinstance(servers, list) else []
    for index, server in enumerate(own_servers):
        if server not in ctx.mcp_servers:
            ctx.error(
                (*base, "mcp_servers", index),
                "unknown-mcp-server",
                f"agent '{agent.name}' uses MCP server '{server}', which is not defined",
                did_you_mean_or_list(server, ctx.mcp_servers, "defined MCP servers")
                or "define it under top-level mcp_servers:",
            )
    if not isinstance(tools, list):
        return
    for index, tool in enumerate(tools):
        name = tool if isinstance(tool, str) else tool.get("name") if isinstance(tool, dict) else None
        if not isinstance(name, str):
            continue
        if ":" in name:
            server = name.split(":", 1)[0]
            if server not in ctx.mcp_servers:
                ctx.error(
                    (*base, "tools", index),
                    "unknown-mcp-server",
                    f"agent '{agent.name}' uses tool '{name}' from MCP server '{server}', which is not defined",
                    did_you_mean_or_list(server, ctx.mcp_servers, "defined MCP servers")
                    or "define it under top-level mcp_servers:",
                )
            elif server not in own_servers:
                ctx.error(
                    (*base, "tools", index),
                    "tool-not-allowed",
                    f"agent '{agent.name}' uses tool '{name}' but does not list MCP server '{server}'",
                    f"add '{server}' to the agent's mcp_servers:",
                )
            continue
        if name in ctx.tools:
            continue
        if isinstance(tool, dict) and "input_schema" in tool:
            continue  # a Go-style inline declaration stands on its own
        hint = did_you_mean(name, ctx.tools) or (
            f"define it under top-level tools:, or use one of: {one_of(ctx.tools)}"
            if ctx.tools
            else "define it under top-level tools:"
        )
        ctx.error(
            (*base, "tools", index),
            "unknown-tool",
            f"agent '{agent.name}' uses tool '{name}', which is not defined",
            hint,
        )


def _check_inputs(ctx: CheckContext) -> None:
    for name, spec in ctx.declared_inputs.items():
        if not isinstance(spec, dict):
            continue
        kind, default, allowed = spec.get("type"), spec.get("default"), spec.get("enum")
        python_types: dict[str, tuple[type, ...]] = {
            "string": (str,),
            "number": (int, float),
            "integer": (int,),
            "boolean": (bool,),
        }
        if default is not None and isinstance(kind, str) and kind in python_types:
            ok = isinstance(default, python_types[kind]) and not (kind != "boolean" and isinstance(default, bool))
            if not ok:
                ctx.error(
                    ("inputs", name, "default"),
                    "wrong-type",
                    f"input '{name}' is of type {kind} but its default is {default!r}",
                )
        if isinstance(allowed, list) and default is not None and default not in allowed:
            ctx.error(
                ("inputs", name, "default"), "bad-value", f"the default of input '{name}' is not among its enum values"
            )
        if spec.get("required") and default is not None:
            ctx.warning(
                ("inputs", name, "required"),
                "required-with-default",
                f"input '{name}' is required but also has a default, so it is never missing",
                "remove one of them",
                at_key=True,
            )
