"""classifier: a classifier agent picks a category; the member registered for it handles the input.

Unlike `router`, the decision carries a confidence: the classifier agent's result (`category`,
`confidence`; a multi-label result's first category). Below `confidence_threshold` (default 0.5), or for a
category with no route, `default` handles the input; without a `default` the step fails (exit 1). The
result is the handler's output, unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from aixgo_cli.patterns.base import Flow, Members, PatternDef, member_place, step_failed
from aixgo_cli.patterns.reading import json_of, label_of
from aixgo_cli.patterns.router import choose_route


@dataclass(frozen=True)
class ClassifierPatternConfig:
    classifier: str
    routes: Mapping[str, str]
    threshold: float = 0.5
    default: str | None = None

    @classmethod
    def read(cls, raw: Mapping[str, Any]) -> ClassifierPatternConfig:
        return cls(
            str(raw["classifier"]),
            MappingProxyType(dict(raw["routes"])),
            float(raw.get("confidence_threshold", 0.5)),
            raw.get("default"),
        )


def _decision(answer: Any) -> tuple[str, float]:
    data = json_of(answer)
    if isinstance(data, Mapping) and isinstance(data.get("categories"), list) and data["categories"]:
        first = data["categories"][0]
        if isinstance(first, Mapping):
            return label_of(first), float(first.get("confidence", 0.0))
    confidence = data.get("confidence", 1.0) if isinstance(data, Mapping) else 1.0
    return label_of(answer), float(confidence) if isinstance(confidence, (int, float)) else 0.0


def run_classifier(
    flow: Flow[ClassifierPatternConfig], payload: Any, place: str, members: Members, seen: Mapping[str, Any]
) -> Any:
    config = flow.config
    answer = members.run(config.classifier, payload, member_place(place, "classify", config.classifier), seen)
    category, confidence = _decision(answer)
    if confidence < config.threshold:
        if config.default is None:
            raise step_failed(
                flow,
                f"the classifier chose '{category}' with confidence {confidence:.2f}, below the threshold "
                f"{config.threshold:.2f}, and there is no default",
                "set config.default, or lower config.confidence_threshold",
            )
        handler = config.default
    else:
        handler = choose_route(flow, category, config.routes, config.default, "the category")
    return members.run(handler, payload, member_place(place, "route", handler), {**seen, config.classifier: answer})


CLASSIFIER = PatternDef(ClassifierPatternConfig.read, run_classifier)
