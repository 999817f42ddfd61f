"""Deterministic embeddings for the stub model server: a hashed bag of words.

Each word (lower-cased, a trailing plural `s` dropped, common words skipped) adds +1 or -1 to one of
`dimensions` coordinates chosen by a hash; the vector is then scaled to length 1. Texts that share
words therefore point the same way, so vector search over these embeddings finds related text the way
a real embedding model would on easy queries, with answers that never change between runs.
"""

from __future__ import annotations

import hashlib
import math
import re
from typing import Any

DEFAULT_DIMENSIONS = 64
_WORD = re.compile(r"[a-z0-9]+")
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "do",
        "does",
        "for",
        "from",
        "how",
        "i",
        "in",
        "is",
        "it",
        "its",
        "my",
        "of",
        "on",
        "or",
        "our",
        "the",
        "this",
        "to",
        "was",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "you",
        "your",
    ]
)


def words(text: str) -> list[str]:
    out = []
    for word in _WORD.findall(text.lower()):
        if word in _STOPWORDS:
            continue
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        out.append(word)
    return out


def embed_text(text: str, dimensions: int = DEFAULT_DIMENSIONS) -> list[float]:
    vector = [0.0] * dimensions
    for word in words(text):
        digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
        index = int.from_bytes(digest[:4], "little") % dimensions
        vector[index] += 1.0 if digest[4] & 1 else -1.0
    norm = math.sqrt(sum(v * v for v in vector))
    if norm == 0:
        vector[0] = 1.0  # an empty text still has a direction, as real models give one
        return vector
    return [v / norm for v in vector]


def embeddings_reply(request: dict[str, Any]) -> dict[str, Any]:
    """The OpenAI `/v1/embeddings` response for a request (`input`: a string or a list of strings)."""
    raw = request.get("input")
    texts = [raw] if isinstance(raw, str) else list(raw or [])
    if not texts or not all(isinstance(t, str) for t in texts):
        raise ValueError("input must be a string or a non-empty list of strings")
    dimensions = int(request.get("dimensions") or DEFAULT_DIMENSIONS)
    tokens = sum(max(1, len(t) // 4) for t in texts)
    return {
        "object": "list",
        "model": str(request.get("model", "stub-embedding")),
        "data": [
            {"object": "embedding", "index": i, "embedding": embed_text(t, dimensions)} for i, t in enumerate(texts)
        ],
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }
