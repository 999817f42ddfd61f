"""The top-level `supervisor:` block: it must take effect where it stands, and every supervisor flow
that routes by `best_match` must have a supervisor to ask."""

from __future__ import annotations

from typing import Any

from aixgo_cli.config.context import CheckContext
from aixgo_cli.config.model_prefixes import looks_like_known_bare_model, unknown_prefix
from aixgo_cli.config.supervisor import supervisor_defaults, supervisor_name
from aixgo_cli.schema.suggest import did_you_mean_or_list


def check_supervisor(ctx: CheckContext) -> None:
    block = ctx.data.get("supervisor")
    block = block if isinstance(block, dict) else None
    flows = _supervisor_flows(ctx)
    if block is not None:
        _check_block(ctx, block, used=bool(flows))
    defaults = supervisor_defaults(block) if block is not None else {}
    for path, config in flows:
        strategy = config.get("routing_strategy", defaults.get("routing_strategy"))
        has_supervisor = "supervisor" in config or "supervisor" in defaults
        if strategy == "best_match" and not has_supervisor:
            explicit = "routing_strategy" in config
            ctx.error(
                (*path, "config", "routing_strategy") if explicit else path,
                "missing-key",
                "best_match routing asks a supervisor agent who works next, but this flow has none",
                "set config.supervisor to an agent, or give the top-level supervisor: block a model",
                at_key=not explicit,
            )


def _supervisor_flows(ctx: CheckContext) -> list[tuple[tuple[str, ...], dict[str, Any]]]:
    blocks: list[tuple[tuple[str, ...], Any]] = []
    if isinstance(ctx.data.get("orchestration"), dict):
        blocks.append((("orchestration",), ctx.data["orchestration"]))
    blocks += [(("flows", name), body) for name, body in ctx.flows.items()]
    found = []
    for path, body in blocks:
        if body.get("pattern") == "supervisor":
            config = body.get("config")
            found.append((path, config if isinstance(config, dict) else {}))
    return found


def _check_block(ctx: CheckContext, block: dict[str, Any], *, used: bool) -> None:
    if not used:
        ctx.warning(
            ("supervisor",),
            "unused-key",
            "the supervisor: block sets the defaults of the supervisor pattern, but no flow uses that pattern",
            "remove it, or use `pattern: supervisor` in the orchestration or a flow",
            at_key=True,
        )
    model = block.get("model")
    name = supervisor_name(block)
    if isinstance(model, str):
        if name in ctx.agents or name in ctx.flows:
            ctx.error(
                ("supervisor", "name") if "name" in block else ("supervisor",),
                "duplicate-name",
                f"the supervisor block defines an agent '{name}', but an agent or flow already has that name",
                "give the supervisor another `name:`, or drop `model:` and name that agent as the supervisor",
                at_key="name" not in block,
            )
        prefix = unknown_prefix(model) if model not in ctx.services else None
        if prefix is not None:
            ctx.error(
                ("supervisor", "model"),
                "unknown-provider",
                f"the supervisor uses model '{model}', but '{prefix}' is not a provider LiteLLM knows",
                "write a provider LiteLLM knows (openai/, anthropic/...) or the name of a model_services entry",
            )
        elif "/" not in model and model not in ctx.services and not looks_like_known_bare_model(model):
            ctx.error(
                ("supervisor", "model"),
                "unknown-model",
                f"the supervisor uses model '{model}', which is neither a model_services entry nor a provider/model id",
                did_you_mean_or_list(model, ctx.services, "model services")
                or "write the provider prefix, e.g. openai/gpt-4o-mini",
            )
        return
    if "name" in block and name not in ctx.agents:
        ctx.error(
            ("supervisor", "name"),
            "unknown-agent",
            f"the supervisor block names '{name}', but no agent has that name (and the block has no model)",
            did_you_mean_or_list(name, ctx.agents, "agents")
            or "add `model:` to make the supervisor an agent of its own",
        )
    if "system_prompt" in block:
        ctx.warning(
            ("supervisor", "system_prompt"),
            "unused-key",
            "system_prompt is the prompt of the supervisor agent the block defines with `model:`; without a "
            "model it is not used",
            "add `model:`, or put the prompt on the agent that supervises",
        )
