"""Snapshots of what users and programs read: `--help`, the `--events` stream and `aixgo runs show`.

In the corpus's style (tests/test_invalid_corpus.py): each `.expected` file under tests/snapshots/
is the exact text, so a change in wording, an event field or a column shows up in review as a diff.
Volatile parts are normalised before comparing: run ids, timestamps, durations, the hashes in unit keys
(they cover the stub's address, whose port changes), and the test's directory. The terminal is fixed
(COLUMNS=100, NO_COLOR=1), so the text is the same on every machine.

Set AIXGO_UPDATE_SNAPSHOTS=1 to rewrite the snapshots, then read the diff before committing it.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from tests.support.e2e import Cli, stub_service

from aixgo_cli.cli import main
from aixgo_cli.testing.stub_model_server import StubModelServer

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
UPDATE = os.environ.get("AIXGO_UPDATE_SNAPSHOTS") == "1"
TERMINAL = {"COLUMNS": "100", "NO_COLOR": "1"}

# Event fields whose values differ on every run; their presence and type are part of the snapshot.
VOLATILE_EVENT_FIELDS = {"run_id": "<run-id>", "at": 0.0, "duration_ms": 0.0}


def check_snapshot(name: str, text: str) -> None:
    expected = SNAPSHOTS / f"{name}.expected"
    if UPDATE:
        expected.parent.mkdir(parents=True, exist_ok=True)
        expected.write_text(text, encoding="utf-8")
        return
    assert expected.exists(), f"no snapshot {expected.name}; run with AIXGO_UPDATE_SNAPSHOTS=1"
    assert text == expected.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "command", [[], ["run"], ["resume"], ["runs", "show"]], ids=["aixgo", "run", "resume", "runs-show"]
)
def test_help_matches_snapshot(
    command: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in TERMINAL.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    assert main([*command, "--help"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    check_snapshot("help-" + ("-".join(command) or "aixgo"), captured.out)


def normalised_events(stdout: str) -> str:
    lines = []
    for line in stdout.splitlines():
        event: dict[str, Any] = json.loads(line)
        for key, placeholder in VOLATILE_EVENT_FIELDS.items():
            if key in event:
                assert isinstance(event[key], type(placeholder)), (key, event)
                event[key] = placeholder
        if "unit_key" in event:
            event["unit_key"] = unit_key_shape(event["unit_key"])
        lines.append(json.dumps(event, ensure_ascii=False, separators=(",", ":")))  # as aixgo writes it
    return "\n".join(lines) + "\n"


def unit_key_shape(key: str) -> str:
    place, hashes = key.split("#")
    assert re.fullmatch(r"[0-9a-f]{10}\.[0-9a-f]{10}", hashes), key
    return f"{place}#<definition>.<input>"


def normalised_show(stdout: str, run_id: str, workdir: Path) -> str:
    text = stdout.replace(run_id, "<run-id>").replace(str(workdir), "<workdir>")
    text = re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", "<time>", text)
    text = re.sub(r"\b\d+\.\d\ds\b", "<t>", text)
    # Column widths follow the longest cell, and a duration's width varies: compare the cells, not the
    # padding between them.
    return "\n".join(re.sub(r" {2,}", "  ", line) for line in text.splitlines()) + "\n"


WORKFLOW = """\
version: 1
name: snapshot
{service}agents:
  - name: reader
    role: producer
    producer_config: {{source: items, items: ["alpha", "beta"]}}
    outputs: [writer]
  - name: writer
    role: react
    model: stub
    prompt: "Answer briefly: {{{{ input }}}}"
    outputs: [log]
  - name: log
    role: logger
    logger_config: {{sink: stdout, prefix: "log: "}}
"""


@pytest.mark.slow
def test_the_event_stream_and_runs_show_match_snapshots(cli: Cli, stub: StubModelServer) -> None:
    cli.write("wf.yaml", WORKFLOW.format(service=stub_service(stub)))
    done = cli.run("run", "wf.yaml", "--events", "-", "--concurrency", "1", env=TERMINAL)
    assert done.returncode == 0, done.stderr
    # `--events -` owns stdout: the logger's lines move to stderr.
    assert sorted(line for line in done.stderr.splitlines() if line.startswith("log: ")) == [
        "log: stub: Answer briefly: alpha",
        "log: stub: Answer briefly: beta",
    ]
    check_snapshot("events-run", normalised_events(done.stdout))

    run_id = cli.runs()[0]["run_id"]
    shown = cli.run("runs", "show", run_id, env=TERMINAL)
    assert shown.returncode == 0, shown.stderr
    check_snapshot("runs-show", normalised_show(shown.stdout, run_id, cli.workdir))
