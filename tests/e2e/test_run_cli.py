"""`aixgo run` / `resume` / `runs` end to end: the real CLI, real LiteLLM, real HTTP, real SQLite."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.support.e2e import REPO, Cli, stub_service

from aixgo_cli.testing.stub_model_server import StubModelServer

pytestmark = pytest.mark.slow

PIPELINE = """\
version: 1
name: e2e-pipeline
{service}
agents:
  - name: items
    role: producer
    producer_config: {{source: input, format: lines}}
  - name: answer
    role: react
    model: stub
    concurrency: 1
    prompt: "Answer briefly: {{{{ input }}}}"
    inputs: [items]
  - name: out
    role: logger
    inputs: [answer]
    logger_config: {{sink: file, path: out.jsonl, format: jsonl}}
"""


def pipeline(cli: Cli, stub: StubModelServer, secret: str = "STUB_API_KEY") -> str:
    cli.write("wf.yaml", PIPELINE.format(service=stub_service(stub, secret)))
    return "wf.yaml"


def test_a_run_processes_every_item_and_prints_a_json_outcome(cli: Cli, stub: StubModelServer) -> None:
    done = cli.run("run", pipeline(cli, stub), "--input", "alpha\nbeta\ngamma", "--json")
    assert done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout)
    assert outcome["status"] == "completed"
    assert outcome["result"] == [
        "stub: Answer briefly: alpha",
        "stub: Answer briefly: beta",
        "stub: Answer briefly: gamma",
    ]
    assert outcome["usage"]["steps"] == 7  # 1 producer + 3 answers + 3 log lines
    assert stub.stats()["total"] == 3
    assert f"run {outcome['run_id']} started" in done.stderr
    lines = (cli.workdir / "out.jsonl").read_text().splitlines()
    assert [json.loads(line) for line in lines] == outcome["result"]


def test_plain_output_is_the_result_only(cli: Cli, stub: StubModelServer) -> None:
    cli.write(
        "one.yaml",
        f"""\
        version: 1
        name: one
        {stub_service(stub).replace(chr(10), chr(10) + "        ")}
        agents:
          - name: a
            role: react
            model: stub
        """,
    )
    done = cli.run("run", "one.yaml", "--input", "hello there")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "stub: hello there\n"


def test_resume_of_a_failed_run_redoes_nothing_that_completed(cli: Cli, stub: StubModelServer) -> None:
    # The second item's call fails twice (all attempts); the run ends with exit 1 and is resumable.
    stub.script(["first answer", {"status": 500}, {"status": 500}])
    done = cli.run("run", pipeline(cli, stub), "--input", "one\ntwo\nthree", "--json")
    assert done.returncode == 1, done.stderr
    outcome = json.loads(done.stdout)
    assert outcome["status"] == "failed"
    assert "aixgo resume " + outcome["run_id"] in done.stderr
    assert stub.stats()["total"] == 3
    stub.reset()
    resumed = cli.run("resume", outcome["run_id"], "--json")
    assert resumed.returncode == 0, resumed.stderr
    final = json.loads(resumed.stdout)
    assert final["result"][0] == "first answer"  # replayed from the journal, not asked again
    asked = [r["last_user"] for r in stub.stats()["requests"]]
    assert asked == ["Answer briefly: two", "Answer briefly: three"]
    assert final["usage"]["cached_steps"] >= 2


def test_editing_an_agent_reruns_only_it_and_what_depends_on_it(cli: Cli, stub: StubModelServer) -> None:
    cli.write(
        "chain.yaml",
        f"""\
        version: 1
        name: chain
        {stub_service(stub).replace(chr(10), chr(10) + "        ")}
        agents:
          - name: first
            role: react
            model: stub
            prompt: "First: {{{{ input }}}}"
          - name: second
            role: react
            model: stub
            inputs: [first]
            prompt: "Second: {{{{ input }}}}"
        limits: {{max_steps: 1}}
        """,
    )
    done = cli.run("run", "chain.yaml", "--input", "x", "--json")
    assert done.returncode == 4, done.stderr  # paused by the step limit after `first`
    run_id = json.loads(done.stdout)["run_id"]
    assert "aixgo resume " + run_id in done.stderr
    text = (cli.workdir / "chain.yaml").read_text().replace("Second: ", "Second, edited: ")
    (cli.workdir / "chain.yaml").write_text(text)
    stub.reset()
    resumed = cli.run("resume", run_id, "--max-steps", "10", "--json")
    assert resumed.returncode == 0, resumed.stderr
    assert [r["last_user"] for r in stub.stats()["requests"]] == ["Second, edited: stub: First: x"]


def test_missing_secret_exits_3_before_any_request(cli: Cli, stub: StubModelServer) -> None:
    done = cli.run("run", pipeline(cli, stub, secret="NOT_SET_ANYWHERE"), "--input", "a")
    assert done.returncode == 3
    assert "NOT_SET_ANYWHERE" in done.stderr
    assert "export NOT_SET_ANYWHERE=" in done.stderr
    assert stub.stats()["total"] == 0
    assert "Traceback" not in done.stderr


def test_a_rejected_key_exits_3_and_the_key_never_leaks(cli: Cli, stub: StubModelServer) -> None:
    planted = "sk-planted-e2e-Zq81xK2mP0"
    stub.script([{"status": 401, "message": f"Incorrect API key provided: {planted}"}])
    events = cli.workdir / "events.jsonl"
    done = cli.run("run", pipeline(cli, stub), "--input", "a", "--events", str(events), env={"STUB_API_KEY": planted})
    assert done.returncode == 3, done.stderr
    assert "STUB_API_KEY" in done.stderr
    assert "aixgo secrets set STUB_API_KEY" in done.stderr
    for blob in (done.stdout, done.stderr, events.read_text(), cli.db.read_bytes().decode("latin-1")):
        assert planted not in blob
    for extra in cli.home.rglob("*"):  # the journal, the audit log, anything else written there
        assert extra.is_dir() or planted.encode() not in extra.read_bytes()


def test_a_successful_run_never_writes_the_key_anywhere(cli: Cli, stub: StubModelServer) -> None:
    planted = "sk-planted-e2e-9c7Hh3Lw55"
    events = cli.workdir / "events.jsonl"
    done = cli.run(
        "run",
        pipeline(cli, stub),
        "--input",
        "a\nb",
        "--events",
        str(events),
        "--json",
        "--debug",
        env={"STUB_API_KEY": planted},
    )
    assert done.returncode == 0, done.stderr
    shown = cli.run("runs", "show", json.loads(done.stdout)["run_id"], "--json")
    for blob in (done.stdout, done.stderr, events.read_text(), shown.stdout):
        assert planted not in blob
    for path in [*cli.home.rglob("*"), *cli.workdir.rglob("*")]:
        assert path.is_dir() or planted.encode() not in path.read_bytes()


def test_invalid_workflow_and_bad_arguments_exit_2(cli: Cli, stub: StubModelServer) -> None:
    cli.write("bad.yaml", "version: 1\nname: bad\nagents:\n  - name: a\n    role: reactt\n")
    done = cli.run("run", "bad.yaml")
    assert done.returncode == 2
    assert "bad.yaml:5:11" in done.stderr and "did you mean 'react'" in done.stderr
    assert cli.run("run", "missing.yaml").returncode == 2
    assert cli.run("run", pipeline(cli, stub), "--var", "nope=1").returncode == 2
    assert cli.run("resume", "rzzzzzz").returncode == 2
    assert not cli.db.exists() or not cli.runs()


def test_a_budget_pause_exits_4_and_resumes_with_a_new_budget(cli: Cli, stub: StubModelServer) -> None:
    done = cli.run("run", pipeline(cli, stub), "--input", "a\nb\nc", "--max-steps", "3", "--json")
    assert done.returncode == 4, done.stderr
    outcome = json.loads(done.stdout)
    assert outcome["status"] == "paused"
    assert "--max-steps" in done.stderr
    again = cli.run("resume", outcome["run_id"], "--json")
    assert again.returncode == 4  # the same budget is still spent
    final = cli.run("resume", outcome["run_id"], "--max-steps", "100", "--json")
    assert final.returncode == 0, final.stderr
    assert stub.stats()["total"] == 3
    assert len(json.loads(final.stdout)["result"]) == 3


def test_a_tool_needing_confirmation_waits_with_exit_5(cli: Cli, stub: StubModelServer) -> None:
    (cli.workdir / "refunds.py").write_text(
        "CALLS = []\n"
        "def refund(order: str, amount: float) -> str:\n"
        "    '''Refund an order.'''\n"
        "    with open('refunds.log', 'a') as log:\n"
        "        log.write(order + '\\n')\n"
        "    return f'refunded {amount} on {order}'\n"
    )
    cli.write(
        "hitl.yaml",
        f"""\
        version: 1
        name: hitl
        {stub_service(stub).replace(chr(10), chr(10) + "        ")}
        tools:
          - name: refund
            type: python
            callable: refunds:refund
        agents:
          - name: clerk
            role: react
            model: stub
            tools: [refund]
            guided_config: {{require_confirmation: true}}
        """,
    )
    stub.script([{"tool_calls": [{"name": "refund", "arguments": {"order": "A-1", "amount": 12.5}}]}])
    done = cli.run("run", "hitl.yaml", "--input", "refund A-1", "--json")
    assert done.returncode == 5, done.stderr
    run_id = json.loads(done.stdout)["run_id"]
    assert "refund" in done.stderr and f"aixgo resume {run_id} --answer yes" in done.stderr
    assert not (cli.workdir / "refunds.log").exists()
    assert cli.run("resume", run_id, "--answer", "maybe later?").returncode == 0
    assert not (cli.workdir / "refunds.log").exists()  # not approved: the model is told, nothing runs


def test_sigint_and_sigterm_interrupt_with_130_and_resume_finishes(cli: Cli, stub: StubModelServer) -> None:
    stub.set_latency(0.3)
    path = pipeline(cli, stub)
    for sig in (signal.SIGINT, signal.SIGTERM):
        stub.reset()
        stub.set_latency(0.3)
        events = cli.workdir / f"events-{sig}.jsonl"
        process = cli.popen("run", path, "--input", "a\nb\nc\nd\ne\nf", "--events", str(events))
        _wait_for(two_steps_finished(events))
        process.send_signal(sig)
        _, err = process.communicate(timeout=60)
        assert process.returncode == 130, err
        assert "interrupted" in err and "Traceback" not in err
        run_id = next(r["run_id"] for r in cli.runs() if r["status"] == "interrupted")
        stub.set_latency(0.0)
        done = cli.run("resume", run_id, "--json")
        assert done.returncode == 0, done.stderr
        assert len(json.loads(done.stdout)["result"]) == 6


def test_runs_list_show_export_and_rm(cli: Cli, stub: StubModelServer, tmp_path: os.PathLike[str]) -> None:
    done = cli.run("run", pipeline(cli, stub), "--input", "a", "--json")
    run_id = json.loads(done.stdout)["run_id"]
    listed = cli.run("runs", "list")
    assert run_id in listed.stdout and "completed" in listed.stdout
    shown = cli.run("runs", "show", run_id[:12])
    assert shown.returncode == 0
    assert "items[0]/answer" in shown.stdout and "completed" in shown.stdout
    detail = json.loads(cli.run("runs", "show", run_id, "--json").stdout)
    assert [s["place"] for s in detail["steps_detail"]] == ["source/items", "items[0]/answer", "items[0]/out"]
    assert detail["steps_detail"][1]["llm_calls"] == 1
    exported = cli.workdir / "artifact.db"
    assert cli.run("runs", "export", run_id, str(exported)).returncode == 0
    with sqlite3.connect(exported) as conn:
        assert conn.execute("select count(*) from runs").fetchone() == (1,)
    assert cli.run("runs", "show", run_id, "--db", str(exported)).returncode == 0
    assert cli.run("runs", "rm", run_id).returncode == 0
    assert cli.runs() == []


def test_the_quick_start_workflow_replays_its_cassette_without_a_key(cli: Cli) -> None:
    done = cli.run("run", str(REPO / "workflows" / "ticket-summaries.yaml"), "--json")
    assert done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout)
    assert outcome["replayed_from"].endswith("ticket-summaries.cassette.jsonl")
    assert len(outcome["result"]) == 3
    assert outcome["usage"]["cost_usd"] == 0  # replayed answers cost nothing
    assert outcome["usage"]["prompt_tokens"] > 0
    assert "OPENAI_API_KEY not set: replaying" in done.stderr
    quiet = cli.run("run", str(REPO / "workflows" / "ticket-summaries.yaml"), "--quiet")
    assert quiet.returncode == 0 and quiet.stderr == ""  # --quiet: no notice, run id or summary
    assert len(quiet.stdout.splitlines()) == 3


def two_steps_finished(events: Path) -> Callable[[], bool]:
    return lambda: events.exists() and events.read_text().count('"step_finished"') >= 2


def _wait_for(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError("condition not reached")


def test_stream_shows_tokens_live_on_stderr_and_records_the_full_reply(cli: Cli, stub: StubModelServer) -> None:
    stub.script([{"content": "streamed answer", "chunks": ["strea", "med ", "answer"]}])
    cli.write(
        "one.yaml", f"version: 1\nname: one\n{stub_service(stub)}agents:\n  - {{name: a, role: react, model: stub}}\n"
    )
    done = cli.run("run", "one.yaml", "--input", "hi", "--stream", "--json")
    assert done.returncode == 0, done.stderr
    assert "streamed answer" in done.stderr  # the tokens, as they arrived
    assert json.loads(done.stdout)["result"] == "streamed answer"
    assert stub.stats()["requests"][0]["stream"] is True


def test_a_new_limit_given_to_resume_holds_for_later_resumes(cli: Cli, stub: StubModelServer) -> None:
    done = cli.run("run", pipeline(cli, stub), "--input", "a\nb\nc\nd", "--max-steps", "2", "--json")
    assert done.returncode == 4, done.stderr
    run_id = json.loads(done.stdout)["run_id"]
    raised = cli.run("resume", run_id, "--max-steps", "5", "--json")
    assert raised.returncode == 4  # paused again, at the new limit
    again = cli.run("resume", run_id, "--json")  # no new limit: the stored one (5) still holds
    assert again.returncode == 4
    assert json.loads(again.stdout)["usage"]["steps"] == 0
    assert cli.run("resume", run_id, "--max-steps", "50").returncode == 0


def test_a_closed_output_pipe_interrupts_the_run_quietly_and_resume_finishes(cli: Cli, stub: StubModelServer) -> None:
    text = PIPELINE.format(service=stub_service(stub)).replace(
        "{sink: file, path: out.jsonl, format: jsonl}", "{sink: stdout, format: jsonl}"
    )
    cli.write("wf.yaml", text)
    process = cli.popen("run", "wf.yaml", "--input", "a\nb\nc\nd")
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.readline()
    process.stdout.close()  # the reader goes away, as `| head -1` does
    err = process.stderr.read()
    process.wait(timeout=60)
    assert json.loads(first).startswith("stub: ")
    assert process.returncode in (0, 130), err  # 0 only if every line fitted in the pipe buffer first
    assert "Traceback" not in err and "BrokenPipeError" not in err
    if process.returncode == 130:
        assert "the output pipe was closed by its reader" in err
        run_id = next(r["run_id"] for r in cli.runs() if r["status"] == "interrupted")
        assert cli.run("resume", run_id).returncode == 0


def _stdout_pipeline(cli: Cli, stub: StubModelServer) -> str:
    text = PIPELINE.format(service=stub_service(stub)).replace(
        "{sink: file, path: out.jsonl, format: jsonl}", "{sink: stdout, format: jsonl}"
    )
    cli.write("wf.yaml", text)
    return "wf.yaml"


def test_resume_prints_the_complete_result_so_redirecting_loses_nothing(cli: Cli, stub: StubModelServer) -> None:
    workflow = _stdout_pipeline(cli, stub)
    first = cli.run("run", workflow, "--input", "a\nb\nc\nd", "--max-steps", "6")
    assert first.returncode == 4, first.stderr
    assert "aixgo: paused: the step limit (6) is reached" in first.stderr  # an outcome, not an error
    assert "error: paused" not in first.stderr
    run_id = cli.runs()[0]["run_id"]
    before = first.stdout.splitlines()
    refused = cli.run("resume", run_id, "--max-steps", "0")
    assert refused.returncode == 2 and "--max-steps 0: must be a whole number of 1 or more" in refused.stderr
    done = cli.run("resume", run_id, "--max-steps", "50")  # `run > out; resume > out`: out is complete
    assert done.returncode == 0, done.stderr
    lines = sorted(json.loads(line) for line in done.stdout.splitlines())
    assert lines == [f"stub: Answer briefly: {item}" for item in "abcd"]
    assert set(before) <= set(done.stdout.splitlines())
    assert stub.stats()["total"] == 4  # replaying the lines called no model again


def test_a_completed_run_stays_completed_when_stdout_cannot_take_the_result(cli: Cli, stub: StubModelServer) -> None:
    cli.write(
        "one.yaml", f"version: 1\nname: one\n{stub_service(stub)}agents:\n  - {{name: a, role: react, model: stub}}\n"
    )
    ascii_out = cli.run("run", "one.yaml", "--input", "café ☕", env={"PYTHONIOENCODING": "ascii"})
    assert ascii_out.returncode == 0, ascii_out.stderr
    assert ascii_out.stdout == "stub: caf\\xe9 \\u2615\n"
    as_json = cli.run("run", "one.yaml", "--input", "café", "--json", env={"PYTHONIOENCODING": "ascii"})
    assert as_json.returncode == 0 and json.loads(as_json.stdout)["result"] == "stub: café"

    process = cli.popen("run", "one.yaml", "--input", "gone")
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # the reader left before the result was written (`| head` that ended early)
    err = process.stderr.read()
    process.wait(timeout=60)
    assert process.returncode == 0, err
    assert "Traceback" not in err and "internal error" not in err
    assert "stdout was closed before the whole result was written" in err
    assert cli.runs()[0]["status"] == "completed"


def test_events_on_stdout_carry_only_events(cli: Cli, stub: StubModelServer) -> None:
    done = cli.run("run", _stdout_pipeline(cli, stub), "--input", "a\nb", "--events", "-")
    assert done.returncode == 0, done.stderr
    kinds = [json.loads(line)["kind"] for line in done.stdout.splitlines()]  # every stdout line is an event
    assert kinds[0] == "run_started" and kinds[-1] == "run_finished"
    assert done.stderr.count("stub: Answer briefly:") == 2  # the stdout logger moved to stderr
