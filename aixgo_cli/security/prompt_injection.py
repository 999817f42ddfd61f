"""Prompt-injection screening: a small, data-driven pattern detector with the Go reference's categories.

Why patterns and not a model: screening must be free, instant and deterministic, because it runs on every
input of every react unit, and a resumed run must screen the same input the same way (its requests, and
so its journal keys, depend on the outcome). The price is that it only recognises well-known phrasings;
it is a tripwire that records and fences suspicious input, not a guarantee, which is why a detection
wraps the input instead of rejecting it.

The rules are one table (`RULE_TABLE`, compiled on first use): category, description, regular
expression, weight and the lowest sensitivity that uses the rule. Confidence is the heaviest matching
weight plus 0.1 per further match
(at most 1.0), as in the reference. Before matching, zero-width characters are removed (they split words
to slip past patterns), every Unicode line break becomes `\\n` (so `^system:` also matches after a
`\\r` or U+2028) and runs of blanks collapse to one space; only the first 10 KB are scanned, which
bounds the cost of a pathological input. Base64-looking runs are decoded and scanned again (an encoded
instruction is an `encoding_attack`), and so is text written with look-alike Cyrillic or Greek letters.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
from dataclasses import dataclass
from typing import Any, Literal

from aixgo_cli.security.unicode_text import plain_lines, skeleton

Sensitivity = Literal["low", "medium", "high"]
_LEVELS: dict[str, int] = {"low": 0, "medium": 1, "high": 2}

MAX_SCAN_BYTES = 10 * 1024
MAX_ENCODED_RUNS = 10
_BLANKS = re.compile(r"[^\S\n]+")  # any run of blanks, Unicode spaces included, but not line breaks
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/]{20,}={0,2}")


@dataclass(frozen=True)
class Rule:
    category: str
    description: str
    pattern: re.Pattern[str]
    weight: float
    min_level: Sensitivity = "low"


# category, description, regular expression, weight, lowest sensitivity that applies it
RULE_TABLE: tuple[tuple[str, str, str, float] | tuple[str, str, str, float, Sensitivity], ...] = (
    ("system_override", "ignore previous instructions", r"ignore\s+(all\s+)?previous\s+instructions?", 1.0),
    ("system_override", "disregard instructions", r"disregard\s+(your\s+|all\s+)?instructions?", 1.0),
    ("system_override", "forget everything", r"forget\s+(everything|all|your\s+instructions?)", 1.0),
    ("system_override", "override system", r"override\s+(your\s+)?(system|instructions?|programming)", 0.9),
    ("system_override", "new instructions", r"new\s+instructions?:", 0.7, "medium"),
    ("role_hijacking", "you are now a", r"you\s+are\s+now\s+a", 1.0),
    ("role_hijacking", "pretend to be", r"pretend\s+(to\s+be|you\s+are)", 0.9),
    ("role_hijacking", "act as if", r"act\s+as\s+(if|though|a)\b", 0.8),
    ("role_hijacking", "roleplay as", r"roleplay\s+as", 0.7, "medium"),
    ("role_hijacking", "as an AI", r"as\s+an\s+ai\s+(assistant|model|system)", 0.6, "medium"),
    ("role_hijacking", "imagine you are", r"imagine\s+you\s+are", 0.6, "medium"),
    # Delimiters: text that tries to open a new turn or a new system message inside the input.
    ("delimiter_injection", "system: prefix", r"^\s*system:", 1.0),
    ("delimiter_injection", "[INST] tag", r"\[/?INST\]", 1.0),
    ("delimiter_injection", "### delimiter", r"###\s*(system|instruction|human|assistant)", 0.9),
    ("delimiter_injection", "chat template tags", r"<\|?(system|user|assistant|im_start|im_end)\|?>", 1.0),
    ("delimiter_injection", "<system> XML tag", r"</?system>", 0.9),
    ("delimiter_injection", "Human: delimiter", r"human:\s*$", 0.7, "medium"),
    ("delimiter_injection", "Assistant: delimiter", r"assistant:\s*$", 0.7, "medium"),
    ("jailbreak", "DAN jailbreak", r"\bDAN\s+(mode|prompt)", 0.9),
    ("jailbreak", "jailbreak keyword", r"jailbreak", 0.8, "medium"),
    ("jailbreak", "developer mode", r"developer\s+mode", 0.7, "medium"),
    ("jailbreak", "bypass filters", r"bypass\s+(your\s+)?(filter|restriction|safety)", 0.9),
)


@functools.cache
def compiled_rules() -> tuple[Rule, ...]:
    """The table compiled once, on the first screening (not at import: start-up budget)."""
    return tuple(_rule(*row) for row in RULE_TABLE)


def _rule(category: str, description: str, regex: str, weight: float, min_level: Sensitivity = "low") -> Rule:
    return Rule(category, description, re.compile(regex, re.IGNORECASE | re.MULTILINE), weight, min_level)


@dataclass(frozen=True)
class Detection:
    detected: bool
    confidence: float = 0.0
    category: str | None = None
    matched_patterns: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "detected": self.detected,
            "confidence": self.confidence,
            "category": self.category,
            "matched_patterns": list(self.matched_patterns),
        }


NOTHING = Detection(False)


def detect(text: str, sensitivity: Sensitivity = "medium") -> Detection:
    """Screen `text`; a detection names the strongest category and every rule that matched."""
    if not text:
        return NOTHING
    rules = [r for r in compiled_rules() if _LEVELS[r.min_level] <= _LEVELS[sensitivity]]
    normalized = normalize(text)
    encoded = _encoded_attack(normalized, rules)
    if encoded.detected:
        return encoded
    if _LEVELS[sensitivity] >= _LEVELS["medium"]:
        disguised = _homoglyph_attack(normalized, rules)
        if disguised.detected:
            return disguised
    matched = [r for r in rules if r.pattern.search(normalized)]
    if not matched:
        return NOTHING
    strongest = max(matched, key=lambda r: r.weight)  # the first of equal weights, in table order
    confidence = min(1.0, round(strongest.weight + 0.1 * (len(matched) - 1), 4))
    return Detection(True, confidence, strongest.category, tuple(r.description for r in matched))


def normalize(text: str) -> str:
    """The first 10 KB, with every Unicode line break as `\\n`, without invisible characters, and with
    blank runs collapsed (see `unicode_text`)."""
    head = text.encode("utf-8")[:MAX_SCAN_BYTES].decode("utf-8", errors="ignore")
    return _BLANKS.sub(" ", plain_lines(head))


def _first_match(text: str, rules: list[Rule]) -> Rule | None:
    return next((r for r in rules if r.pattern.search(text)), None)


def _encoded_attack(text: str, rules: list[Rule]) -> Detection:
    for run in _BASE64_RUN.findall(text)[:MAX_ENCODED_RUNS]:
        try:
            decoded = base64.b64decode(run, validate=True).decode("utf-8", errors="replace")
        except (binascii.Error, ValueError):
            continue
        rule = _first_match(decoded.lower(), rules)
        if rule is not None:
            return Detection(True, 0.95, "encoding_attack", (f"base64 encoded: {rule.description}",))
    return NOTHING


def _homoglyph_attack(text: str, rules: list[Rule]) -> Detection:
    plain = skeleton(text)
    if plain == text:
        return NOTHING
    # Only a rule that the look-alike letters were hiding counts; plain matches are reported as such.
    rule = next((r for r in rules if r.pattern.search(plain) and not r.pattern.search(text)), None)
    if rule is None:
        return NOTHING
    return Detection(True, 0.9, "encoding_attack", (f"homoglyph attack: {rule.description}",))
