"""How decisions are read from members' answers: fixed rules, so a replayed answer gives the same
decision, lenient about decoration and strict about meaning."""

from __future__ import annotations

import pytest

from aixgo_cli.patterns.mapreduce import chunks
from aixgo_cli.patterns.planning import steps_of
from aixgo_cli.patterns.reading import json_of, label_of, match_name, score_of
from aixgo_cli.patterns.swarm import handoff_of


@pytest.mark.parametrize(
    ("answer", "score"),
    [
        ('{"score": 0.7}', 0.7),
        ({"rating": 8}, 0.8),
        ("Overall: good.\nScore: 8/10", 0.8),
        ("quality = 85/100", 0.85),
        ('```json\n{"score": 0.3, "notes": []}\n```', 0.3),
        ("I give it 4/5.", 0.8),
        ("Looks fine.", None),
        ('{"score": 140}', None),
    ],
)
def test_score_of(answer: object, score: float | None) -> None:
    assert score_of(answer) == score


@pytest.mark.parametrize(
    ("answer", "label"),
    [
        ("Billing.", "billing"),
        ("**Technical**\nbecause it crashes", "technical"),
        ({"category": "Account", "confidence": 0.9}, "account"),
        ('{"answer": "block"}', "block"),
        ("", ""),
    ],
)
def test_label_of(answer: object, label: str) -> None:
    assert label_of(answer) == label


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("writer", "writer"),
        ("Writer.", "writer"),
        ("fact-checker, then the writer", "fact-checker"),
        ("I would ask the writer next", "writer"),
        ("writer or editor", "writer"),  # the first word names a member
        ("either the writer or the editor", None),
        ("the intern", None),
    ],
)
def test_match_name(text: str, found: str | None) -> None:
    assert match_name(text, ["writer", "editor", "fact-checker"]) == found


@pytest.mark.parametrize(
    ("answer", "handoff"),
    [
        ("HANDOFF: billing\nCharged twice.", ("billing", "Charged twice.")),
        ("**handoff:** tech", ("tech", "")),
        ('{"handoff_to": "tech", "message": "500s"}', ("tech", "500s")),
        ("Handoff procedures are described in the wiki.", None),
        ("Refund issued.", None),
    ],
)
def test_handoff_of(answer: str, handoff: tuple[str, str] | None) -> None:
    assert handoff_of(answer) == handoff


def test_json_of_reads_the_outermost_object_in_text() -> None:
    assert json_of('Here you go: {"a": {"b": 1}} done') == {"a": {"b": 1}}
    assert json_of("no json here") is None


def test_chunks_cut_at_white_space_within_the_size() -> None:
    assert chunks("alpha beta gamma delta", 11) == ["alpha beta ", "gamma delta"]
    assert chunks("abcdefghij", 4) == ["abcd", "efgh", "ij"]
    assert chunks("   ", 2) == []


def test_plan_steps_name_their_member_before_a_colon() -> None:
    plan = {
        "steps": [
            {"step_number": 1, "action": "Researcher: find facts", "prerequisites": []},
            {"step_number": 2, "action": "write it up", "prerequisites": [1]},
            "editor: tighten",
        ]
    }
    steps = steps_of(plan, ("researcher", "writer", "editor"))
    assert [(s.number, s.agent, s.action, s.prerequisites) for s in steps] == [
        (1, "researcher", "find facts", ()),
        (2, None, "write it up", (1,)),
        (3, "editor", "tighten", ()),
    ]
