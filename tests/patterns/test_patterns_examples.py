"""The pattern examples in workflows/ and their cassettes: re-recording each against the stub with its
stored rules (tests/patterns/recording/NAME.rules.json) gives the same requests as the shipped cassette.

After a prompt change, regenerate a cassette the same way: start `python -m
aixgo_cli.testing.stub_model_server --port 0 --port-file F --rules tests/patterns/recording/NAME.rules.json`,
then run the example with the --input below, OPENAI_API_KEY=sk-stub,
OPENAI_BASE_URL=http://127.0.0.1:PORT/v1 and --record workflows/NAME.cassette.jsonl.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.support.e2e import REPO, Cli

from aixgo_cli.testing.stub_model_server import StubModelServer

pytestmark = pytest.mark.slow

WORKFLOWS = REPO / "workflows"
RECORDING = Path(__file__).parent / "recording"
INPUTS = {
    "support-triage": "I was charged twice for my March invoice",
    "code-review": f"@{WORKFLOWS / 'data' / 'stats.diff'}",
    "moderation-ensemble": "Buy cheap watches at http://spam.example",
    "planner-workers": "Write a launch announcement for our CLI's 1.0",
    "help-desk-swarm": "My March invoice shows the same charge twice.",
    "report-team": "Should we offer an on-premises edition next year?",
    "editorial-supervisor": "Explain in one paragraph why the sky is blue.",
    "review-digest": f"@{WORKFLOWS / 'data' / 'reviews.jsonl'}",
    "second-opinions": "We plan to keep user sessions in Postgres instead of Redis. Good idea?",
    "ticket-dispatch": "The export button returns error 500 since this morning.",
}


def test_every_recording_has_its_example() -> None:
    # chat.rules.json records a two-run conversation: tests/e2e/test_sessions_cli.py replays it.
    assert {p.name.removesuffix(".rules.json") for p in RECORDING.glob("*.rules.json")} == {*INPUTS, "chat"}


@pytest.mark.parametrize("name", sorted(INPUTS))
def test_the_recording_rules_reproduce_the_shipped_cassette(
    cli: Cli, stub: StubModelServer, tmp_path: Path, name: str
) -> None:
    stub.set_rules(json.loads((RECORDING / f"{name}.rules.json").read_text(encoding="utf-8")))
    cassette = tmp_path / "recorded.cassette.jsonl"
    env = {"OPENAI_API_KEY": "sk-stub", "OPENAI_BASE_URL": stub.base_url}

    done = cli.run("run", str(WORKFLOWS / f"{name}.yaml"), "--input", INPUTS[name], "--record", str(cassette), env=env)

    assert done.returncode == 0, done.stderr
    assert _keys(cassette) == _keys(WORKFLOWS / f"{name}.cassette.jsonl")
    assert "never:" not in cassette.read_text(encoding="utf-8")  # no member ran that the pattern should skip


def _keys(path: Path) -> list[str]:
    return sorted(json.loads(line)["key"] for line in path.read_text(encoding="utf-8").splitlines()[1:])
