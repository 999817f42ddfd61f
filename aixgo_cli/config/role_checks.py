"""Checks inside the role blocks: classifier categories, aggregator weights, producer and logger files.

Each runs only for an agent of the matching role (a block on the wrong role is reported elsewhere), and
each names the agent and the exact key, because these blocks are where copied examples go stale.
"""

from __future__ import annotations

from pathlib import Path

from aixgo_cli.config.context import CheckContext, Named
from aixgo_cli.config.planner_checks import check_planner
from aixgo_cli.config.react_checks import check_react
from aixgo_cli.schema.suggest import did_you_mean, did_you_mean_or_list, one_of


def check_role_config(ctx: CheckContext, agent: Named, role: str | None) -> None:
    if role == "classifier":
        _check_classifier(ctx, agent)
    elif role == "aggregator":
        _check_aggregator(ctx, agent)
    elif role == "producer":
        _check_producer(ctx, agent)
    elif role == "logger":
        _check_logger(ctx, agent)
    elif role == "planner":
        check_planner(ctx, agent)
    elif role == "react":
        check_react(ctx, agent)


def _check_logger(ctx: CheckContext, agent: Named) -> None:
    config = agent.body.get("logger_config")
    if isinstance(config, dict) and config.get("sink") == "file" and not config.get("path"):
        ctx.error(
            ("agents", agent.index, "logger_config"),
            "missing-key",
            f"agent '{agent.name}' writes to a file but logger_config has no path",
            "add `path: results.jsonl`",
            at_key=True,
        )
    if isinstance(config, dict) and config.get("with_item") and config.get("format", "text") != "jsonl":
        ctx.warning(
            ("agents", agent.index, "logger_config", "with_item"),
            "unused-key",
            f"logger '{agent.name}' writes text lines, so with_item has nothing to add the item to",
            "use `format: jsonl`, or remove with_item",
            at_key=True,
        )


def _check_classifier(ctx: CheckContext, agent: Named) -> None:
    base = ("agents", agent.index)
    config = agent.body.get("classifier_config")
    if ("classifier_config" in agent.body and not isinstance(config, dict)) or "categories" in agent.body:
        return  # a malformed or misplaced block: the schema reports it, with the fix
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
                        "rename one of them, or merge their descriptions, keywords and examples",
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
        elif low.get("action") == "flag" and fallback is not None:
            ctx.warning(
                (*base, "classifier_config", "low_confidence", "fallback_category"),
                "unused-key",
                f"classifier '{agent.name}' flags low-confidence answers, so fallback_category is never used",
                "write `action: fallback` to use it, or remove fallback_category",
                at_key=True,
            )


_VOTES = ("voting_majority", "voting_unanimous", "voting_weighted", "voting_confidence")
_TIES = ("voting_majority", "voting_weighted", "voting_confidence")  # a unanimous vote cannot tie
_MODEL_ONLY = ("conflict_resolution", "summarization_enabled", "temperature", "max_tokens", "timeout_ms")


def _check_aggregator(ctx: CheckContext, agent: Named) -> None:
    config = agent.body.get("aggregator_config")
    if not isinstance(config, dict):
        return
    base = ("agents", agent.index, "aggregator_config")
    weights = config.get("source_weights")
    if isinstance(weights, dict):
        _check_weights(ctx, agent, weights)
    strategy = config.get("aggregation_strategy", "consensus")
    if not isinstance(strategy, str):
        return
    # A key the chosen strategy never reads is a copied example gone stale: warn, as for every role
    # (`aixgo validate --strict` makes it an error).
    if "on_disagreement" in config and strategy != "voting_unanimous":
        ctx.warning(
            (*base, "on_disagreement"),
            "unused-key",
            f"aggregator '{agent.name}' sets on_disagreement, which only voting_unanimous reads "
            f"(its strategy is {strategy})",
            "remove on_disagreement, or use aggregation_strategy: voting_unanimous",
            at_key=True,
        )
    if "on_tie" in config and strategy not in _TIES:
        ctx.warning(
            (*base, "on_tie"),
            "unused-key",
            f"aggregator '{agent.name}' sets on_tie, but its strategy {strategy} never has a tie to settle",
            f"remove on_tie, or use one of: {one_of(_TIES)}",
            at_key=True,
        )
    if strategy in _VOTES:
        for key in _MODEL_ONLY:
            if key in config:
                ctx.warning(
                    (*base, key),
                    "unused-key",
                    f"aggregator '{agent.name}' sets {key}, but {strategy} is a vote and calls no model",
                    f"remove {key}, or choose a model strategy such as consensus",
                    at_key=True,
                )


def _check_weights(ctx: CheckContext, agent: Named, weights: dict[str, object]) -> None:
    # In the agent graph the aggregator's sources are known; a weight for anything else never applies.
    feeding = ctx.graph_sources(agent.name) if "orchestration" not in ctx.data else None
    for source in weights:
        path = ("agents", agent.index, "aggregator_config", "source_weights", source)
        if source not in ctx.members:
            ctx.error(
                path,
                "unknown-agent",
                f"aggregator '{agent.name}' weights source '{source}', which is not an agent or flow",
                did_you_mean_or_list(source, ctx.members, "agents and flows"),
                at_key=True,
            )
        elif feeding is not None and source not in feeding:
            listed = f"its sources are: {one_of(sorted(feeding))}" if feeding else "it has no sources"
            ctx.error(
                path,
                "not-a-source",
                f"aggregator '{agent.name}' weights '{source}', which does not feed it",
                f"add '{source}' to its inputs, or remove the weight ({listed})",
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
