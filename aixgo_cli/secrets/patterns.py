"""The patterns redaction matches with: credential shapes, and one trie-shaped regex for many literals.

Credential shapes (`sk-...`, `xai-...`, `Bearer ...`, `ghp_...`, `AKIA...`) are masked even when never
registered. `OPEN_SHAPE` finds such a token still being written at the end of streamed output, so the
stream filter can hold it back until it is complete.

`trie_pattern` turns a set of literal spellings into one regex shaped like a trie: a plain alternation
of dozens of spellings per secret is tried branch by branch at every position of the text, a trie once.
"""

from __future__ import annotations

import re
from typing import Any, Final

# Group 1 of each pattern is the prefix kept in the output. The look-behinds keep them from firing inside
# longer words.
SHAPES: Final[tuple[re.Pattern[str], ...]] = (
    # OpenAI / Anthropic / DeepSeek style: sk-..., sk-proj-..., sk-ant-...
    re.compile(r"(?<![A-Za-z0-9_-])(sk-)[A-Za-z0-9_-]{8,}"),
    re.compile(r"(?<![A-Za-z0-9_-])(xai-)[A-Za-z0-9_-]{8,}"),
    # GitHub tokens: classic (ghp_, gho_, ghu_, ghs_, ghr_) and fine-grained.
    re.compile(r"(?<![A-Za-z0-9_])(gh[pousr]_)[A-Za-z0-9]{16,}"),
    re.compile(r"(?<![A-Za-z0-9_])(github_pat_)[A-Za-z0-9_]{20,}"),
    # AWS access key ids (long-lived and temporary).
    re.compile(r"(?<![A-Z0-9])(AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])"),
    re.compile(r"(?<![A-Za-z0-9_])(hf_)[A-Za-z0-9]{16,}"),
    # Google API keys (Gemini).
    re.compile(r"(?<![A-Za-z0-9_-])(AIza)[A-Za-z0-9_-]{30,}"),
    # HTTP Authorization values of any shape. Requiring a digit spares prose such as "bearer token".
    re.compile(r"(?i)\b(bearer\s+)(?=[A-Za-z._~+/=-]*[0-9])[A-Za-z0-9._~+/=-]{8,}"),
)


# One cheap test for any prefix above, so text with none of them (nearly all text) skips the eight subs.
# Substring tests run in C at memory speed; one regex alternation would try every branch at every position.
_LITERAL_PREFIXES: Final = (
    "sk-",
    "xai-",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "AKIA",
    "ASIA",
    "hf_",
    "AIza",
)


def maybe_shaped(text: str) -> bool:
    return any(p in text for p in _LITERAL_PREFIXES) or "bearer" in text.lower()


# The characters a credential shape's body is made of (the union of the classes above), for finding
# where a token still being written begins.
TOKEN_CHARS: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~+/=-"

# The end of a text that may be the start of a credential shape still being written (streamed output):
# a prefix followed by token characters up to the end, or a piece of a prefix.
_SHAPE_PREFIXES: Final = ("sk-", "xai-", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "AKIA", "ASIA", "hf_")
_PARTIALS: Final = sorted({p[:i] for p in (*_SHAPE_PREFIXES, "AIza", "bearer ") for i in range(1, len(p) + 1)}, key=len)
OPEN_SHAPE: Final = re.compile(
    r"(?:(?:sk-|xai-|gh[pousr]_|github_pat_|AKIA|ASIA|hf_|AIza|(?i:bearer\s+))[A-Za-z0-9._~+/=-]*|(?i:"
    + "|".join(re.escape(p) for p in reversed(_PARTIALS))
    + r"))\Z"
)


def trie_pattern(words: set[str]) -> str:
    """A regex matching any of `words`, longest first, shaped as a trie (shared prefixes written once)."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}  # the end of a word

    def render(node: dict[str, Any]) -> str:
        parts: list[str] = []
        while True:  # a chain of single letters is written out without recursing (long secrets)
            letters = sorted(k for k in node if k)
            if len(letters) == 1 and "" not in node:
                parts.append(re.escape(letters[0]))
                node = node[letters[0]]
                continue
            break
        if not letters:
            return "".join(parts)
        options = [re.escape(letter) + render(node[letter]) for letter in letters]
        body = options[0] if len(options) == 1 else "(?:" + "|".join(options) + ")"
        if "" in node:  # a word ends here, but a longer one may go on: the greedy `?` prefers the longer
            body = "(?:" + body + ")?"
        return "".join(parts) + body

    return render(trie)
