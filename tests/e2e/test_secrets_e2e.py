"""Secrets end to end: a planted key reaches no artefact in any encoding, goes only to the endpoint that
names it, survives a resume as a reference, and a missing key is always exit 3 naming it.

The planted value is not shaped like a known credential (`sk-...`), so only the registered-secret filter
can hide it; it contains `/`, `+`, `=` and `&` so that its URL, JSON, base64 and hex spellings all differ.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from urllib.parse import quote

import pytest
from tests.support.e2e import Cli, stub_service
from tests.support.leaks import artefacts_of, files_under, leaks

from aixgo_cli.testing.stub_model_server import StubModelServer

pytestmark = pytest.mark.slow

KEY = "Planted/Key+Value=7755&zz"

TOOLS = """\
import base64
import os


def vault() -> str:
    \"\"\"Read the vault.\"\"\"
    key = os.environ["PLANTED_KEY"]
    basic = base64.b64encode(("user:" + key).encode()).decode()
    return f"raw {key} hex {key.encode().hex()} basic {basic}"
"""

LEAKY = """\
version: 1
name: leaky
{service}
inputs:
  token: {{type: string}}
tools:
  - {{name: vault, type: python, callable: "leaktools:vault"}}
agents:
  - name: helper
    role: react
    model: stub
    prompt: "Token {{{{ inputs.token }}}}. Task: {{{{ input }}}}"
    tools: [vault]
    react_config: {{tool_protocol: native}}
  - name: log
    role: logger
    inputs: [helper]
    logger_config: {{sink: file, path: out.log}}
"""

CHAIN = """\
version: 1
name: chain
{service}
inputs:
  token: {{type: string}}
agents:
  - name: first
    role: react
    model: stub
    prompt: "First: {{{{ input }}}}"
  - name: second
    role: react
    model: stub
    inputs: [first]
    prompt: "Second with {{{{ inputs.token }}}}: {{{{ input }}}}"
"""


def leaky_reply() -> list[object]:
    """A tool call, then a streamed reply that splits the key across chunks and echoes it encoded."""
    encoded = [quote(KEY, safe=""), json.dumps(KEY)[1:-1], base64.b64encode(KEY.encode()).decode()]
    content = f"The key is {KEY}; also {' '.join(encoded)}."
    also = " ".join(encoded)
    chunks = ["The key is Plan", "ted/Ke", "y+Value=77", "55&zz; also ", also[:7], also[7:], "."]
    return [{"tool_calls": [{"name": "vault", "arguments": {}}]}, {"content": content, "chunks": chunks}]


def test_a_planted_key_reaches_no_artefact_in_any_encoding(cli: Cli, stub: StubModelServer) -> None:
    (cli.workdir / "leaktools.py").write_text(TOOLS, encoding="utf-8")
    workflow = cli.write("leaky.yaml", LEAKY.format(service=stub_service(stub, "PLANTED_KEY")))
    cassette, events, export = cli.workdir / "rec.jsonl", cli.workdir / "events.jsonl", cli.workdir / "export.db"
    stub.script(leaky_reply())

    done = cli.run(
        "run",
        str(workflow),
        "--input",
        f"use {KEY} please",
        "--var",
        f"token={KEY}",
        "--record",
        str(cassette),
        "--events",
        str(events),
        "--stream",
        "--debug",
        env={"PLANTED_KEY": KEY},
    )
    assert done.returncode == 0, done.stderr
    run_id = cli.runs()[0]["run_id"]
    shown = cli.run("runs", "show", run_id, "--json")
    assert cli.run("runs", "export", run_id, str(export)).returncode == 0

    # The run did what it was meant to: the tool ran, the reply was streamed, logged and printed masked.
    assert stub.stats()["total"] == 2
    assert "***" in done.stdout and "The key is" in done.stdout
    assert "The key is" in done.stderr  # the streamed tokens
    assert "***" in (cli.workdir / "out.log").read_text(encoding="utf-8")
    assert cassette.stat().st_size > 0 and events.stat().st_size > 0
    artefacts = artefacts_of(
        files_under(cli.home, cli.workdir / "out.log", cassette, events, export),
        stdout=done.stdout,
        stderr=done.stderr,
        shown=shown.stdout,
    )
    assert leaks(KEY, artefacts) == []


def test_a_split_key_in_a_streamed_reply_prints_masked(cli: Cli, stub: StubModelServer) -> None:
    workflow = cli.write(
        "one.yaml", CHAIN.format(service=stub_service(stub, "PLANTED_KEY")).split("  - name: second")[0]
    )
    pieces = [KEY[i : i + 3] for i in range(0, len(KEY), 3)]
    stub.script([{"content": f"<{KEY}>", "chunks": ["<", *pieces, ">"]}])

    done = cli.run("run", str(workflow), "--input", "x", "--stream", env={"PLANTED_KEY": KEY})

    assert done.returncode == 0, done.stderr
    assert "<***>" in done.stderr and "<***>" in done.stdout
    assert leaks(KEY, {"stdout": done.stdout, "stderr": done.stderr}) == []


def test_a_key_in_the_input_is_stored_as_a_reference_and_restored_on_resume(cli: Cli, stub: StubModelServer) -> None:
    workflow = cli.write("chain.yaml", CHAIN.format(service=stub_service(stub, "PLANTED_KEY")))
    env = {"PLANTED_KEY": KEY}

    paused = cli.run("run", str(workflow), "--input", "a", "--var", f"token={KEY}", "--max-steps", "1", env=env)
    assert paused.returncode == 4, paused.stderr
    run_id = cli.runs()[0]["run_id"]
    missing = cli.run("resume", run_id, env={"PLANTED_KEY": ""})
    assert missing.returncode == 3 and "PLANTED_KEY" in missing.stderr
    resumed = cli.run("resume", run_id, "--max-steps", "10", env=env)

    assert resumed.returncode == 0, resumed.stderr
    # The second step was sent the real value, although the journal only ever held its name.
    assert [r["last_user"] for r in stub.stats()["requests"]][-1] == f"Second with {KEY}: stub: First: a"
    assert leaks(KEY, artefacts_of(files_under(cli.home), stdout=resumed.stdout, stderr=resumed.stderr)) == []


def test_a_service_with_its_own_endpoint_gets_no_key_it_does_not_name(cli: Cli, stub: StubModelServer) -> None:
    keyless = stub_service(stub).replace("    api_key_secret: STUB_API_KEY\n", "")
    workflow = cli.write("local.yaml", CHAIN.format(service=keyless).split("  - name: second")[0])
    env_key = "planted-env-openai-key-0042"
    env = {"OPENAI_API_KEY": env_key, "STUB_API_KEY": ""}

    ran = cli.run("run", str(workflow), "--input", f"hello {env_key}", env=env)
    assert ran.returncode == 0, ran.stderr  # a keyless local server needs no secret at all
    # A provider key in the environment is masked everywhere even when no workflow uses it.
    assert ran.stdout == "stub: First: hello ***\n"
    assert leaks(env_key, artefacts_of(files_under(cli.home), stderr=ran.stderr)) == []

    stub.script([{"status": 401}])  # the stub's 401 echoes the key it was presented
    refused = cli.run("run", str(workflow), "--input", "again", env=env)
    assert refused.returncode == 3
    assert env_key not in refused.stderr
    assert "Incorrect API key provided: no-key" in refused.stderr


def test_a_shipped_cassette_without_the_answer_is_exit_3_naming_the_key(cli: Cli, stub: StubModelServer) -> None:
    workflow = cli.write("shipped.yaml", CHAIN.format(service=stub_service(stub)).split("  - name: second")[0])
    recorded = cli.run("run", str(workflow), "--input", "a", "--record", str(cli.workdir / "shipped.cassette.jsonl"))
    assert recorded.returncode == 0, recorded.stderr
    no_key = {"STUB_API_KEY": ""}

    replayed = cli.run("run", str(workflow), "--input", "a", env=no_key)
    assert replayed.returncode == 0, replayed.stderr
    other = cli.run("run", str(workflow), "--input", "b", env=no_key)

    assert other.returncode == 3, other.stderr
    assert "missing secret: STUB_API_KEY" in other.stderr
    assert "aixgo secrets set STUB_API_KEY" in other.stderr
    assert "Traceback" not in other.stderr


@pytest.mark.parametrize(("given", "sent"), [("hello\n", "hello"), ("hello\n\n", "hello\n"), ("hi\r\n", "hi")])
def test_input_from_stdin_loses_exactly_one_trailing_newline(
    cli: Cli, stub: StubModelServer, given: str, sent: str
) -> None:
    workflow = cli.write("one.yaml", CHAIN.format(service=stub_service(stub)).split("  - name: second")[0])

    done = cli.run("run", str(workflow), "--input", "-", input=given)

    assert done.returncode == 0, done.stderr
    assert stub.stats()["requests"][0]["last_user"] == "First: " + sent


def test_the_results_of_a_file_tool_land_in_the_runs_own_workspace(cli: Cli, stub: StubModelServer) -> None:
    text = f"""\
version: 1
name: writer
{stub_service(stub)}
tools:
  - {{name: write_file, type: write_file}}
agents:
  - name: w
    role: react
    model: stub
    prompt: "Write."
    tools: [write_file]
    react_config: {{tool_protocol: native}}
"""
    workflow = cli.write("writer.yaml", text)
    (cli.workdir / "helper.py").write_text("VALUE = 1\n", encoding="utf-8")
    stub.script(
        [
            {"tool_calls": [{"name": "write_file", "arguments": {"path": "notes.txt", "content": "hi"}}]},
            {"tool_calls": [{"name": "write_file", "arguments": {"path": "../../../work/helper.py", "content": "x"}}]},
            "Done.",
        ]
    )

    done = cli.run("run", str(workflow))

    assert done.returncode == 0, done.stderr
    run_id = cli.runs()[0]["run_id"]
    assert (cli.home / "workspaces" / run_id / "notes.txt").read_text(encoding="utf-8") == "hi"
    assert not (cli.workdir / "notes.txt").exists()
    assert (cli.workdir / "helper.py").read_text(encoding="utf-8") == "VALUE = 1\n"
    assert Path(workflow).read_text(encoding="utf-8") == text


def test_a_provider_error_echoing_the_key_in_any_encoding_leaks_nowhere(cli: Cli, stub: StubModelServer) -> None:
    workflow = cli.write(
        "one.yaml", CHAIN.format(service=stub_service(stub, "PLANTED_KEY")).split("  - name: second")[0]
    )
    data = KEY.encode()
    echoed = " ".join(
        [
            f"https://api.example/v1?key={quote(KEY, safe='')}",
            json.dumps({"key": KEY}),
            base64.b64encode(b"user:" + data).decode(),
            data.hex(),
            "".join(f"%{b:02x}" for b in data),
        ]
    )
    stub.script([{"status": 400, "message": f"bad request: {echoed}"}])
    events = cli.workdir / "events.jsonl"

    done = cli.run("run", str(workflow), "--input", "x", "--events", str(events), "--debug", env={"PLANTED_KEY": KEY})

    assert done.returncode == 1, done.stderr
    assert "bad request: https://api.example/v1?key=***" in done.stderr
    assert leaks(KEY, artefacts_of(files_under(cli.home, events), stdout=done.stdout, stderr=done.stderr)) == []
