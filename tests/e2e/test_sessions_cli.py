"""`run --session NAME` and `aixgo sessions list | show | rm` through the real CLI against the stub."""

from __future__ import annotations

import json
import sqlite3

import pytest
from tests.support.e2e import REPO, Cli, stub_service

from aixgo_cli.testing.stub_model_server import StubModelServer

pytestmark = pytest.mark.slow

CHAT = """\
version: 1
name: chat
{service}
session: {{max_messages: 10}}
agents:
  - name: assistant
    role: react
    model: stub
    prompt: You remember the conversation.
"""


def sent_messages(cli: Cli) -> list[list[dict[str, str]]]:
    with sqlite3.connect(cli.db) as conn:
        rows = conn.execute("select request_json from calls where kind = 'llm' order by rowid").fetchall()
    return [json.loads(row[0])["messages"] for row in rows]


def test_a_session_carries_the_conversation_across_runs_and_can_be_listed_shown_and_removed(
    cli: Cli, stub: StubModelServer
) -> None:
    cli.write("chat.yaml", CHAT.format(service=stub_service(stub)))
    stub.set_rules([{"match": "Ada", "reply": "Hello Ada."}, {"match": "name", "reply": "You are Ada."}])

    first = cli.run("run", "chat.yaml", "--session", "ada", "--input", "I am Ada")
    second = cli.run("run", "chat.yaml", "--session", "ada", "--input", "What is my name?")
    other = cli.run("run", "chat.yaml", "--session", "bob", "--input", "What is my name?")

    assert (first.returncode, second.returncode, other.returncode) == (0, 0, 0), second.stderr
    second_request, other_request = sent_messages(cli)[1:]
    assert [m["content"] for m in second_request if m["role"] != "system"] == [
        "I am Ada",
        "Hello Ada.",
        "What is my name?",
    ]
    assert [m["content"] for m in other_request if m["role"] != "system"] == ["What is my name?"]

    listed = cli.run("sessions", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = {row["name"]: row for row in map(json.loads, listed.stdout.splitlines())}
    assert (rows["ada"]["messages"], rows["bob"]["messages"], rows["ada"]["workflow_name"]) == (4, 2, "chat")

    shown = cli.run("sessions", "show", "ada")
    assert shown.returncode == 0 and "You are Ada." in shown.stdout

    assert cli.run("sessions", "rm", "ada").returncode == 0
    gone = cli.run("sessions", "show", "ada")
    assert gone.returncode == 2 and "no session named 'ada'" in gone.stderr and "bob" in gone.stderr


def test_session_on_a_workflow_without_one_is_refused_before_any_request(cli: Cli, stub: StubModelServer) -> None:
    cli.write("plain.yaml", CHAT.format(service=stub_service(stub)).replace("session: {max_messages: 10}\n", ""))

    done = cli.run("run", "plain.yaml", "--session", "ada", "--input", "hi")

    assert done.returncode == 2, done.stderr
    assert "keeps no conversation" in done.stderr and "hint:" in done.stderr
    assert stub.stats()["total"] == 0


def test_the_chat_example_replays_a_two_turn_conversation_offline(cli: Cli) -> None:
    """The second request only matches the cassette if it carries the first exchange."""
    example = str(REPO / "workflows" / "chat.yaml")

    first = cli.run("run", example, "--input", "My name is Ada and I write compilers.", "--json")
    second = cli.run("run", example, "--input", "What do I do for a living?", "--json")

    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout)["result"] == "You write compilers, Ada."
