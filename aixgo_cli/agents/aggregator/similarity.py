"""Text similarity, consensus level and similarity clusters: the aggregator's deterministic maths.

Similarity is `1 - levenshtein(a, b) / max(len(a), len(b))` over normalised text (trimmed, lower-cased,
white space collapsed), so `"Yes "` and `"yes"` are the same answer here as they are in a vote.

Levenshtein distance uses the bit-parallel algorithm of Myers (1999) in Hyyrö's formulation for the
global edit distance: one machine-word-like step per character of the longer text, with Python's
unbounded integers holding the bit vector of the shorter one. That is O(n·m/w) rather than the O(n·m)
cell loop, which in pure Python is the difference between microseconds and seconds for two paragraphs.
The common prefix and suffix are stripped first. Texts are still capped at `MAX_COMPARED_CHARS`
characters (the head of each is compared), so the cost of one comparison is bounded whatever an agent
wrote: a similarity is a measure of agreement, and the first several thousand characters decide it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

MAX_COMPARED_CHARS = 8000
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Trim, lower-case and collapse runs of white space to one space."""
    return _SPACE.sub(" ", text.strip().lower())


def levenshtein(a: str, b: str) -> int:
    """Edit distance (insertions, deletions, substitutions; each costs 1) of two strings."""
    if a == b:
        return 0
    start = 0
    limit = min(len(a), len(b))
    while start < limit and a[start] == b[start]:
        start += 1
    end_a, end_b = len(a), len(b)
    while end_a > start and end_b > start and a[end_a - 1] == b[end_b - 1]:
        end_a -= 1
        end_b -= 1
    a, b = a[start:end_a], b[start:end_b]
    if len(a) < len(b):
        a, b = b, a  # the shorter string is the bit vector
    m = len(b)
    if m == 0:
        return len(a)
    peq: dict[str, int] = {}
    for index, char in enumerate(b):
        peq[char] = peq.get(char, 0) | (1 << index)
    mask = (1 << m) - 1
    top = 1 << (m - 1)
    pv, mv, score = mask, 0, m
    for char in a:
        eq = peq.get(char, 0)
        xv = eq | mv
        xh = ((((eq & pv) + pv) & mask) ^ pv) | eq
        ph = mv | (~(xh | pv) & mask)
        mh = pv & xh
        if ph & top:
            score += 1
        elif mh & top:
            score -= 1
        ph = ((ph << 1) | 1) & mask  # row 0 of the matrix grows by one per column: shift a 1 in
        mh = (mh << 1) & mask
        pv = mh | (~(xv | ph) & mask)
        mv = ph & xv
    return score


def similarity(a: str, b: str, *, normalised: bool = False) -> float:
    """1 for identical texts, 0 when one is empty or nothing is shared; compared after normalising."""
    if not normalised:
        a, b = normalise(a), normalise(b)
    a, b = a[:MAX_COMPARED_CHARS], b[:MAX_COMPARED_CHARS]
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    return max(0.0, 1.0 - levenshtein(a, b) / max(len(a), len(b)))


def mean_pairwise(texts: Sequence[str]) -> float:
    """Mean similarity over all pairs; 1 for a single text (it agrees with itself), 0 for none."""
    if len(texts) < 2:
        return 1.0 if texts else 0.0
    total, pairs = 0.0, 0
    for i in range(len(texts)):
        for j in range(i + 1, len(texts)):
            total += similarity(texts[i], texts[j])
            pairs += 1
    return total / pairs


def consensus_level(texts: Sequence[str], weights: Sequence[float], result: str) -> float:
    """0.6 x (weight-averaged similarity of each input to the result) + 0.4 x (mean pairwise similarity).

    Weights are the inputs' confidences (or their source weights); when they are all zero every input
    counts the same. Clamped to 0..1.
    """
    if not texts:
        return 0.0
    total_weight = sum(weights)
    if total_weight <= 0:
        weights, total_weight = [1.0] * len(texts), float(len(texts))
    to_result = sum(w * similarity(t, result) for t, w in zip(texts, weights, strict=True)) / total_weight
    level = 0.6 * to_result + 0.4 * mean_pairwise(texts)
    return min(1.0, max(0.0, level))


@dataclass(frozen=True)
class Cluster:
    members: tuple[int, ...]  # indices into the clustered texts, in input order
    avg_similarity: float  # mean pairwise similarity of the members; 1 for a cluster of one
    core: int  # the member most similar to the others (the first such on ties)


def clusters(texts: Sequence[str], threshold: float) -> list[Cluster]:
    """Greedy single pass in input order: each unclustered text seeds a cluster, and every later
    unclustered text joins it when its mean similarity to the cluster's members reaches `threshold`.
    Input order alone decides, so the same inputs always give the same clusters."""
    n = len(texts)
    normalised = [normalise(t) for t in texts]
    sim = [[1.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            sim[i][j] = sim[j][i] = similarity(normalised[i], normalised[j], normalised=True)
    placed = [False] * n
    out: list[Cluster] = []
    for seed in range(n):
        if placed[seed]:
            continue
        members = [seed]
        placed[seed] = True
        for j in range(seed + 1, n):
            if not placed[j] and sum(sim[j][k] for k in members) / len(members) >= threshold:
                members.append(j)
                placed[j] = True
        pairs = [sim[i][k] for x, i in enumerate(members) for k in members[x + 1 :]]
        core = max(members, key=lambda i: (sum(sim[i][k] for k in members), -i))
        out.append(Cluster(tuple(members), sum(pairs) / len(pairs) if pairs else 1.0, core))
    return out
