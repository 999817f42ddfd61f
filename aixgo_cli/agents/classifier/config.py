"""The classifier's settings, read once from `classifier_config` into frozen values with their defaults.

Validation has already checked the shape and the cross-references (unique names, few-shot and fallback
categories among the categories), so this module only fills in defaults and decides the two questions
the schema leaves open: which low-confidence action applies when none is named, and which sampling
settings a request carries when the role block does not give them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from aixgo_cli.config.model import AgentSpec, Workflow

DEFAULT_CONFIDENCE_THRESHOLD = 0.7
DEFAULT_TEMPERATURE = 0.3
DEFAULT_MAX_TOKENS = 500

LowConfidenceAction = Literal["flag", "fallback"]


@dataclass(frozen=True)
class Category:
    name: str
    description: str = ""
    keywords: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class FewShotExample:
    input: str
    category: str
    reason: str = ""


@dataclass(frozen=True)
class ClassifierConfig:
    categories: tuple[Category, ...]
    multi_label: bool = False
    threshold: float = DEFAULT_CONFIDENCE_THRESHOLD
    action: LowConfidenceAction = "flag"
    fallback_category: str | None = None
    few_shot: tuple[FewShotExample, ...] = ()

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.categories]

    @property
    def prompt_strategy(self) -> str:
        return "few-shot" if self.few_shot else "zero-shot"

    @classmethod
    def from_block(cls, block: Mapping[str, Any]) -> ClassifierConfig:
        categories = tuple(
            Category(
                name=str(c["name"]),
                description=str(c.get("description") or ""),
                keywords=tuple(str(k) for k in c.get("keywords") or ()),
                examples=tuple(str(e) for e in c.get("examples") or ()),
            )
            for c in block.get("categories") or ()
        )
        few_shot = tuple(
            FewShotExample(input=str(e["input"]), category=str(e["category"]), reason=str(e.get("reason") or ""))
            for e in block.get("few_shot_examples") or ()
        )
        low = block.get("low_confidence") or {}
        fallback = low.get("fallback_category")
        # Naming a fallback category without an action can only mean "fall back to it".
        action: LowConfidenceAction = low.get("action") or ("fallback" if fallback else "flag")
        threshold = block.get("confidence_threshold")
        return cls(
            categories=categories,
            multi_label=bool(block.get("multi_label", False)),
            threshold=float(threshold) if threshold is not None else DEFAULT_CONFIDENCE_THRESHOLD,
            action=action,
            fallback_category=str(fallback) if fallback is not None else None,
            few_shot=few_shot,
        )


def sampling_block(spec: AgentSpec, workflow: Workflow) -> dict[str, Any]:
    """The role block with the role's default temperature and max_tokens filled in where nothing else
    sets them. Precedence: classifier_config, then the agent's `parameters`, then the model service's
    `parameters`, then the defaults (0.3 and 500, as in Go aixgo), so a default never overrides a
    value the user wrote anywhere."""
    block = dict(spec.config)
    service = workflow.model_services.get(spec.model or "")
    service_params: Mapping[str, Any] = (service.get("parameters") if service else None) or {}
    for key, default in (("temperature", DEFAULT_TEMPERATURE), ("max_tokens", DEFAULT_MAX_TOKENS)):
        if key not in block and key not in spec.parameters and key not in service_params:
            block[key] = default
    return block
