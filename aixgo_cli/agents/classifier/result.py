"""From a validated model reply to the classifier's result, with the low-confidence rule applied.

The result is modelled on Go aixgo's `ClassificationResult` (`category, confidence, reasoning,
alternatives, tokens_used, prompt_strategy`) plus what the threshold decided: `low_confidence`, and the
model's own answer (`original_category` / `original_categories`) when a fallback replaced it. Labels are
put in a fixed order (confidence, highest first; ties in the order the categories are declared) and a
category appears at most once, so a result never depends on how the model happened to order its list.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from aixgo_cli.agents.classifier.config import ClassifierConfig

Label = dict[str, Any]  # {"category": name, "confidence": float}


def labels(raw: Iterable[Mapping[str, Any]], config: ClassifierConfig, *, exclude: str | None = None) -> list[Label]:
    """One label per category (its highest confidence), sorted; `exclude` drops the chosen category from
    its own alternatives."""
    best: dict[str, float] = {}
    for entry in raw:
        name, confidence = str(entry["category"]), float(entry["confidence"])
        if name != exclude and confidence > best.get(name, -1.0):
            best[name] = confidence
    order = {name: index for index, name in enumerate(config.names)}
    ranked = sorted(best.items(), key=lambda item: (-item[1], order.get(item[0], len(order))))
    return [{"category": name, "confidence": confidence} for name, confidence in ranked]


def single_label(data: Mapping[str, Any], config: ClassifierConfig, tokens_used: int) -> dict[str, Any]:
    """Below the threshold, `flag` keeps the answer; `fallback` replaces the category by the fallback
    category (dropping it from the alternatives) and keeps the model's answer in `original_category`.
    `low_confidence` is true in both cases, and `confidence` stays the model's confidence in its own
    answer (a fallback is a rule, not an estimate)."""
    category = str(data["category"])
    confidence = float(data["confidence"])
    low = confidence < config.threshold
    result: dict[str, Any] = {
        "category": category,
        "confidence": confidence,
        "reasoning": str(data["reasoning"]),
        "alternatives": labels(data.get("alternatives") or (), config, exclude=category),
        "low_confidence": low,
    }
    if low and config.action == "fallback" and config.fallback_category is not None:
        fallback = config.fallback_category
        result["category"] = fallback
        result["alternatives"] = [a for a in result["alternatives"] if a["category"] != fallback]
        result["original_category"] = category
    result["prompt_strategy"] = config.prompt_strategy
    result["tokens_used"] = tokens_used
    return result


def multi_label(data: Mapping[str, Any], config: ClassifierConfig, tokens_used: int) -> dict[str, Any]:
    """The threshold applies to each label: labels at or above it are the result's `categories`, labels
    below it become `alternatives`. Only when no label reaches it is the result low-confidence: `flag`
    then keeps every label in `categories`; `fallback` makes `categories` the fallback category alone
    (with the model's highest confidence) and keeps the model's labels in `original_categories`."""
    ranked = labels(data["categories"], config)
    accepted = [label for label in ranked if label["confidence"] >= config.threshold]
    below = [label for label in ranked if label["confidence"] < config.threshold]
    low = not accepted
    result: dict[str, Any] = {
        "categories": accepted if accepted else ranked,
        "reasoning": str(data["reasoning"]),
        "alternatives": below if accepted else [],
        "low_confidence": low,
    }
    if low and config.action == "fallback" and config.fallback_category is not None:
        result["categories"] = [{"category": config.fallback_category, "confidence": ranked[0]["confidence"]}]
        result["original_categories"] = ranked
    result["prompt_strategy"] = config.prompt_strategy
    result["tokens_used"] = tokens_used
    return result
