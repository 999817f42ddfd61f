"""The classifier role: categories with descriptions, keywords and examples, few-shot examples, single-
or multi-label answers constrained to the category names, and a defined low-confidence outcome."""

from __future__ import annotations

from aixgo_cli.agents.classifier.agent import classify

__all__ = ["classify"]
