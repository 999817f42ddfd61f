"""Edit distance, similarity, consensus level and clusters, checked against a textbook dynamic
programme and against values worked out by hand."""

from __future__ import annotations

import random

import pytest

from aixgo_cli.agents.aggregator.similarity import (
    MAX_COMPARED_CHARS,
    clusters,
    consensus_level,
    levenshtein,
    mean_pairwise,
    normalise,
    similarity,
)


def textbook(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("", "", 0),
        ("", "abc", 3),
        ("kitten", "sitting", 3),
        ("flaw", "lawn", 2),
        ("yes", "no", 3),
        ("approve", "reject", 7),
        ("Zürich", "Zurich", 1),
        ("abcd", "abce", 1),
    ],
)
def test_known_distances(a: str, b: str, distance: int) -> None:
    assert levenshtein(a, b) == distance
    assert levenshtein(b, a) == distance


def test_bit_parallel_distance_equals_the_textbook_one() -> None:
    rng = random.Random(20240501)  # seeded: the same strings every run
    for _ in range(3000):
        alphabet = rng.choice(["ab", "abc ", "abcdefghij", "aé€😀"])
        a = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        b = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        assert levenshtein(a, b) == textbook(a, b), (a, b)
    for _ in range(20):  # longer than a machine word, so the carries cross 64-bit boundaries
        a = "".join(rng.choice("abcd") for _ in range(rng.randint(60, 300)))
        b = "".join(rng.choice("abcd") for _ in range(rng.randint(60, 300)))
        assert levenshtein(a, b) == textbook(a, b)


def test_similarity_is_one_minus_normalised_distance() -> None:
    assert similarity("abcd", "abce") == 0.75
    assert similarity("kitten", "sitting") == pytest.approx(1 - 3 / 7)
    assert similarity("  Yes\n", "yes") == 1.0  # compared after normalising
    assert similarity("", "anything") == 0.0
    assert similarity("", "") == 1.0
    assert normalise("  Hello \t  World\n") == "hello world"


def test_long_texts_are_compared_on_their_first_characters() -> None:
    head = "a" * MAX_COMPARED_CHARS
    assert similarity(head + "x" * 5000, head + "y" * 5000) == 1.0
    assert similarity("b" + head, "c" + head) == pytest.approx(1 - 1 / MAX_COMPARED_CHARS)


def test_consensus_level_against_hand_computed_values() -> None:
    # sim(abcd, abcd) = 1, sim(abce, abcd) = 0.75; pairwise sim(abcd, abce) = 0.75.
    # equal weights: 0.6 x (1 + 0.75)/2 + 0.4 x 0.75 = 0.525 + 0.3 = 0.825
    assert consensus_level(["abcd", "abce"], [0.5, 0.5], "abcd") == pytest.approx(0.825)
    # weights 0.9 / 0.1: 0.6 x (0.9 x 1 + 0.1 x 0.75) / 1.0 + 0.3 = 0.585 + 0.3 = 0.885
    assert consensus_level(["abcd", "abce"], [0.9, 0.1], "abcd") == pytest.approx(0.885)
    # three votes yes, yes, no for "yes": sim(no, yes) = 0 -> 0.6 x 2/3 + 0.4 x 1/3 = 0.5333...
    assert consensus_level(["yes", "yes", "no"], [0.5, 0.5, 0.5], "yes") == pytest.approx(0.6 * 2 / 3 + 0.4 / 3)
    # all weights zero: every input counts the same
    assert consensus_level(["abcd", "abce"], [0.0, 0.0], "abcd") == pytest.approx(0.825)
    # a single input agrees with itself: 0.6 x sim + 0.4
    assert consensus_level(["abcd"], [1.0], "abce") == pytest.approx(0.6 * 0.75 + 0.4)
    assert consensus_level([], [], "x") == 0.0


def test_mean_pairwise() -> None:
    # pairs: (abcd, abce) 0.75, (abcd, wxyz) 0, (abce, wxyz) 0 -> 0.25
    assert mean_pairwise(["abcd", "abce", "wxyz"]) == pytest.approx(0.25)
    assert mean_pairwise(["one"]) == 1.0


def test_clusters_follow_input_order_and_the_threshold() -> None:
    texts = ["the cat sat", "dogs bark loudly", "the cat sits", "the cat sat!"]
    found = clusters(texts, 0.8)
    assert [c.members for c in found] == [(0, 2, 3), (1,)]
    # members 0, 2, 3: sim(0,2) = 1 - 2/12, sim(0,3) = 1 - 1/12, sim(2,3) = 1 - 2/12
    assert found[0].avg_similarity == pytest.approx(1 - 5 / 36)
    assert found[0].core == 0  # 0 and 3 are equally close to the others; the first wins
    assert found[1].avg_similarity == 1.0
    assert [c.members for c in clusters(texts, 1.0)] == [(0,), (1,), (2,), (3,)]
    assert [c.members for c in clusters(texts, 0.0)] == [(0, 1, 2, 3)]
