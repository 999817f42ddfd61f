"""Names and references: duplicates, models, tools, MCP servers, and role-specific blocks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aixgo_cli.config.context import CheckContext, Named, named_entries
from aixgo_cli.schema.suggest import did_you_mean, one_of

ROLE_BLOCKS = {
    "classifier_config": "classifier",
    "aggregator_config": "aggregator",
    "planner_config": "planner",
    "producer_config": "producer",
    "logger_config": "logger",
    "react_config": "react",
    "guided_config": "react",
}
LLM_ROLES = {"react", "classifier", "planner"}
DETERMINISTIC_VOTES = {"voting_majority", "voting_unanimous", "voting_weighted", "voting_confidence"}
_SECTIONS = ("agents", "tools", "model_services", "mcp_servers")


def check_references(ctx: CheckContext) -> None:
    _check_duplicates(ctx)
    for agent in ctx.agents.values():
        _check_agent(ctx, agent)
    _check_inputs(ctx)


def _check_duplicates(ctx: CheckContext) -> None:
    for section in _SECTIONS:
        seen: dict[str, Named] = {}
        for entry in named_entries(ctx.data, section):
            if entry.name in seen:
                ctx.error(
                    (section, entry.index, "name"),
                    "duplicate-name",
                    f"the name '{entry.name}' is used twice in {section} "
                    f"(first as entry #{seen[entry.name].index + 1})",
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
    role = body.get("role")
    for block, owner in ROLE_BLOCKS.items():
        if block in body and isinstance(role, str) and role != owner:
            ctx.error(
                (*base, block),
                "wrong-role-block",
                f"agent '{agent.name}' has {block}, which only role {owner} reads (its role is {role})",
                f"remove {block}, or change the role to {owner}",
                at_key=True,
            )
    _check_model(ctx, agent, role)
    _check_tools(ctx, agent, role)
    if role == "classifier":
        _check_classifier(ctx, agent)
    elif role == "aggregator":
        _check_aggregator(ctx, agent)
    elif role == "producer":
        _check_producer(ctx, agent)
    elif role == "logger":
        config = body.get("logger_config")
        if isinstance(config, dict) and config.get("sink") == "file" and not config.get("path"):
            ctx.error(
                (*base, "logger_config"),
                "missing-key",
                f"agent '{agent.name}' writes to a file but logger_config has no path",
                "add `path: results.jsonl`",
                at_key=True,
            )


def _needs_model(body: dict[str, Any], role: Any) -> bool:
    if role in LLM_ROLES:
        return True
    if role == "aggregator":
        config = body.get("aggregator_config")
        strategy = config.get("aggregation_strategy", "consensus") if isinstance(config, dict) else "consensus"
        return strategy not in DETERMINISTIC_VOTES
    return False


def _check_model(ctx: CheckContext, agent: Named, role: Any) -> None:
    body, base = agent.body, ("agents", agent.index)
    model = body.get("model")
    if model is None:
        if _needs_model(body, role):
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
    if "/" in model or model in ctx.services:
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
    elif not _looks_like_known_bare_model(model):
        ctx.error(
            (*base, "model"),
            "unknown-model",
            f"agent '{agent.name}' uses model '{model}', which is neither a model_services entry "
            "nor a provider/model id",
            "write the provider prefix (openai/gpt-4o-mini, anthropic/claude-3-5-haiku-latest, "
            "ollama_chat/llama3.2) or add a model_services entry with this name",
        )


def _looks_like_known_bare_model(model: str) -> bool:
    return model.startswith(("gpt-", "o1", "o3", "o4", "claude-", "gemini-", "grok-", "chatgpt-"))


def _check_tools(ctx: CheckContext, agent: Named, role: Any) -> None:
    body, base = agent.body, ("agents", agent.index)
    tools = body.get("tools")
    servers = body.get("mcp_servers")
    if role != "react":
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
                did_you_mean(server, ctx.mcp_servers) or "define it under top-level mcp_servers:",
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
                    did_you_mean(server, ctx.mcp_servers) or "define it under top-level mcp_servers:",
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


def _check_classifier(ctx: CheckContext, agent: Named) -> None:
    base = ("agents", agent.index)
    config = agent.body.get("classifier_config")
    if not isinstance(config, dict):
        ctx.error(
            base,
            "missing-key",
            f"classifier '{agent.name}' needs classifier_config with categories",
            "add classifier_config: {categories: [{name: billing}, {name: technical}]}",
        )
        return
    categories = config.get("categories")
    names: list[str] = []
    if isinstance(categories, list):
        for index, category in enumerate(categories):
            if isinstance(category, dict) and isinstance(category.get("name"), str):
                if category["name"] in names:
                    ctx.error(
                        (*base, "classifier_config", "categories", index, "name"),
                        "duplicate-name",
                        f"classifier '{agent.name}' lists category '{category['name']}' twice",
                    )
                names.append(category["name"])
    examples = config.get("few_shot_examples")
    if isinstance(examples, list) and names:
        for index, example in enumerate(examples):
            category = example.get("category") if isinstance(example, dict) else None
            if isinstance(category, str) and category not in names:
                ctx.error(
                    (*base, "classifier_config", "few_shot_examples", index, "category"),
                    "unknown-category",
                    f"example #{index + 1} of '{agent.name}' uses category "
                    f"'{category}', which is not among its categories",
                    did_you_mean(category, names) or f"use one of: {one_of(names)}",
                )
    low = config.get("low_confidence")
    if isinstance(low, dict) and names:
        fallback = low.get("fallback_category")
        if low.get("action") == "fallback" and fallback is None:
            ctx.error(
                (*base, "classifier_config", "low_confidence"),
                "missing-key",
                f"classifier '{agent.name}' falls back on low confidence but names no fallback_category",
                f"add fallback_category: with one of: {one_of(names)}",
            )
        elif isinstance(fallback, str) and fallback not in names:
            ctx.error(
                (*base, "classifier_config", "low_confidence", "fallback_category"),
                "unknown-category",
                f"fallback category '{fallback}' of '{agent.name}' is not among its categories",
                did_you_mean(fallback, names) or f"use one of: {one_of(names)}",
            )


def _check_aggregator(ctx: CheckContext, agent: Named) -> None:
    config = agent.body.get("aggregator_config")
    weights = config.get("source_weights") if isinstance(config, dict) else None
    if not isinstance(weights, dict):
        return
    for source in weights:
        if source not in ctx.members:
            ctx.error(
                ("agents", agent.index, "aggregator_config", "source_weights", source),
                "unknown-agent",
                f"aggregator '{agent.name}' weights source '{source}', which is not an agent or flow",
                did_you_mean(source, ctx.members),
                at_key=True,
            )


def _check_producer(ctx: CheckContext, agent: Named) -> None:
    base = ("agents", agent.index)
    config = agent.body.get("producer_config")
    if not isinstance(config, dict):
        return
    source = config.get("source", "items" if "items" in config else "file" if "file" in config else "input")
    if source == "items" and "items" not in config:
        ctx.error(
            (*base, "producer_config"),
            "missing-key",
            f"producer '{agent.name}' reads from `items` but has none",
            "add items: [...]",
            at_key=True,
        )
    if source == "file":
        file = config.get("file")
        if not isinstance(file, str):
            ctx.error(
                (*base, "producer_config"),
                "missing-key",
                f"producer '{agent.name}' reads from a file but names none",
                "add file: items.jsonl",
                at_key=True,
            )
        elif ctx.loaded.file != "<stdin>":
            target = Path(ctx.loaded.file).parent / file
            if not target.exists():
                ctx.error(
                    (*base, "producer_config", "file"),
                    "missing-file",
                    f"producer '{agent.name}' reads '{file}', which does not exist (looked for {target})",
                    "paths are relative to the workflow file",
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
