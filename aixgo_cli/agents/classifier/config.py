"""The classifier's settings, read once from `classifier_config` into frozen values with their defaults.

Validation has already checked the shape and the cross-references (unique names, few-shot and fallback
categories among the categories), so this module only fills in defaults and decides the question the
schema leaves open: which low-confidence action applies when none is named. Its sampling defaults are the
role's (agents/registry.py), applied by the one precedence rule of `chat_request`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

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
