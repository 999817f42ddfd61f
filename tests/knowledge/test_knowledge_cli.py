"""`aixgo index ...` and `aixgo run` with knowledge, through the real CLI in subprocesses."""

from __future__ import annotations

import json
import signal
import sqlite3
import time

import pytest
from tests.knowledge.knowledge_helpers import corpus_workflow
from tests.support.e2e import Cli

from aixgo_cli.store.sqlite_journal import SqliteJournal
from aixgo_cli.testing.stub_model_server import StubModelServer

pytestmark = pytest.mark.slow

RAG = """\
agents:
  - {name: answer, role: react, model: stub, prompt: "{{ input }}"}
orchestration:
  pattern: rag
  config: {retriever: handbook, generator: answer, top_k: 2}
"""


def test_build_status_search_and_rm(cli: Cli, stub: StubModelServer) -> None:
    path = str(corpus_workflow(cli.workdir, stub))
    status = cli.run("index", "status", path, "--json")
    assert status.returncode == 0, status.stderr
    before = json.loads(status.stdout)
    assert before["stale"] and len(before["changed"]) == 10

    built = cli.run("index", "build", path, "--json")
    assert built.returncode == 0, built.stderr
    report = json.loads(built.stdout)
    assert report["files_changed"] == 10 and report["texts_embedded"] == report["chunks_written"] > 0
    assert report["embedding_requests"] == len(stub.stats()["embedding_requests"])
    assert "handbook: 10 file(s), 10 indexed" in built.stderr
    assert "sk-stub" not in built.stdout + built.stderr

    again = json.loads(cli.run("index", "status", path, "--json").stdout)
    assert not again["stale"] and again["counts"]["embedding_calls"] == report["embedding_requests"]

    found = cli.run("index", "search", path, "error E07 speed sensor", "--top-k", "1", "--json")
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout)["documents"][0]["source"] == "corpus/handbook/display.md"

    removed = cli.run("index", "rm", path)
    assert removed.returncode == 0 and "removed" in removed.stderr
    assert json.loads(cli.run("index", "status", path, "--json").stdout)["stale"]


def test_run_builds_a_stale_index_first_or_refuses_with_the_command(cli: Cli, stub: StubModelServer) -> None:
    path = corpus_workflow(cli.workdir, stub, agents=RAG)
    stub.set_rules([{"match": "Context:", "reply": "Clean the rotor."}])
    done = cli.run("run", str(path), "--input", "my brakes squeal", "--json")
    assert done.returncode == 0, done.stderr
    assert "knowledge 'handbook' was out of date: 10 file(s) indexed" in done.stderr
    assert json.loads(done.stdout)["result"] == "Clean the rotor."
    prompt = stub.stats()["requests"][-1]["last_user"]
    assert prompt.startswith("Context:\n[1] (corpus/handbook/brakes.md:")

    refusing = path.read_text(encoding="utf-8").replace("    chunking:", "    on_stale: refuse\n    chunking:")
    path.write_text(refusing, encoding="utf-8")
    (cli.workdir / "corpus" / "handbook" / "brakes.md").write_text("# Brakes\n\nNew text.\n", encoding="utf-8")
    refused = cli.run("run", str(path), "--input", "my brakes squeal")
    assert refused.returncode == 2, refused.stderr
    assert "knowledge index 'handbook' is out of date (1 new or changed file(s))" in refused.stderr
    assert f"hint: build it first: aixgo index build {path} handbook" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_a_bad_source_is_a_clear_error(cli: Cli) -> None:
    path = corpus_workflow(
        cli.workdir,
        None,
        index="  handbook:\n    sources: [{path: corpus/nothing/*.md}]\n",
    )
    done = cli.run("index", "build", str(path))
    assert done.returncode == 2
    assert "workflow.yaml:10:22: error[no-such-file]: source 'corpus/nothing/*.md' of knowledge" in done.stderr
    assert "hint:" in done.stderr
    checked = cli.run("validate", str(path))  # validate says the same, before anything runs
    assert checked.returncode == 2 and "error[no-such-file]" in checked.stdout + checked.stderr
    assert "Traceback" not in done.stderr


def test_a_build_killed_with_sigkill_continues_without_re_embedding(cli: Cli, stub: StubModelServer) -> None:
    path = str(corpus_workflow(cli.workdir, stub))
    stub.set_latency(0.2)  # embedding requests in flight long enough to be killed during one
    process = cli.popen("index", "build", path)
    deadline = time.monotonic() + 60
    while len(stub.stats()["embedding_requests"]) < 3:  # two batches stored, the third in flight
        assert time.monotonic() < deadline and process.poll() is None, "the build never reached the kill point"
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    stub.set_latency(0.0)
    index = next((cli.home / "knowledge").glob("*/handbook.sqlite"))
    with sqlite3.connect(f"file:{index}?mode=ro", uri=True) as conn:
        assert conn.execute("pragma integrity_check").fetchone() == ("ok",)
        chunks = conn.execute("select count(*) from chunks").fetchone()[0]
        missing = conn.execute(
            "select count(*) from chunks c where not exists (select 1 from vectors v where v.text_hash = c.text_hash)"
        ).fetchone()[0]
    assert 0 < missing < chunks
    sent_before = len(stub.stats()["embedding_requests"])
    resumed = cli.run("index", "build", path, "--json")
    assert resumed.returncode == 0, resumed.stderr
    report = json.loads(resumed.stdout)
    assert report["files_changed"] == 0 and report["texts_embedded"] == missing
    assert sum(stub.stats()["embedding_requests"][sent_before:]) == missing  # nothing stored is sent again
    assert not json.loads(cli.run("index", "status", path, "--json").stdout)["stale"]


def test_embeddings_are_recorded_and_replayed_with_the_chat_calls(cli: Cli, stub: StubModelServer) -> None:
    path = corpus_workflow(cli.workdir, stub, agents=RAG)
    cassette = cli.workdir / "rag.cassette.jsonl"
    stub.set_rules([{"match": "Context:", "reply": "Use the charger for four hours."}])
    recorded = cli.run("run", str(path), "--input", "how long to charge the battery", "--record", str(cassette))
    assert recorded.returncode == 0, recorded.stderr
    lines = [json.loads(line) for line in cassette.read_text(encoding="utf-8").splitlines()]
    embedded = [line for line in lines if line.get("kind") == "embedding"]
    assert len(embedded) == len(stub.stats()["embedding_requests"]) >= 2  # the build's batches and the query
    assert "sk-stub" not in cassette.read_text(encoding="utf-8") and stub.base_url not in cassette.read_text()

    sent = (stub.stats()["total"], len(stub.stats()["embedding_requests"]))
    fresh = {"AIXGO_HOME": str(cli.workdir / "elsewhere")}  # no index yet: the build replays its embeddings
    replayed = cli.run(
        "run", str(path), "--input", "how long to charge the battery", "--replay", str(cassette), "--json", env=fresh
    )
    assert replayed.returncode == 0, replayed.stderr
    assert json.loads(replayed.stdout)["result"] == "Use the charger for four hours."
    assert (stub.stats()["total"], len(stub.stats()["embedding_requests"])) == sent  # nothing reached the stub

    other = cli.run("run", str(path), "--input", "a question never recorded", "--replay", str(cassette), env=fresh)
    assert other.returncode == 1 and "has no recorded embeddings for 1 text(s)" in other.stderr


def test_a_failing_embedding_endpoint_stops_the_run_before_it_starts(cli: Cli, stub: StubModelServer) -> None:
    path = corpus_workflow(cli.workdir, stub, agents=RAG)
    stub.fail_embeddings(100)
    done = cli.run("run", str(path), "--input", "my brakes squeal")
    assert done.returncode == 1, done.stderr
    assert "building the knowledge index failed" in done.stderr and "gave up after 2 attempts" in done.stderr
    assert f"hint: what was embedded is kept; continue with: aixgo index build {path}" in done.stderr
    assert cli.runs() == [] and stub.stats()["total"] == 0  # no run was recorded, no chat call was made
    stub.fail_embeddings(0)


def test_rag_in_a_session_answers_with_the_conversation_so_far(cli: Cli, stub: StubModelServer) -> None:
    # Go's conversational RAG: with `session:`, the generator sees the earlier exchanges of the session
    # beside the documents retrieved for the new question.
    path = corpus_workflow(cli.workdir, stub, agents=RAG, extra="session: {max_messages: 10}\n")
    stub.set_rules([{"match": "squeal", "reply": "Clean the rotor."}, {"match": "Context:", "reply": "Yes."}])

    first = cli.run("run", str(path), "--session", "rider", "--input", "my brakes squeal")
    second = cli.run("run", str(path), "--session", "rider", "--input", "and if that does not help?")
    assert (first.returncode, second.returncode) == (0, 0), second.stderr

    # Read through the journal: long texts in a request are stored once, apart from the row.
    with SqliteJournal(cli.db, read_only=True) as journal:
        runs = sorted(journal.list_runs(), key=lambda run: run.created_at)
        requests = [c.request_json for run in runs for c in journal.list_calls(run.run_id) if c.kind == "llm"]
    generator_requests = [json.loads(r)["messages"] for r in requests if "Context:" in r]
    last = [m["content"] for m in generator_requests[-1] if m["role"] != "system"]
    assert len(last) == 3 and "my brakes squeal" in last[0] and last[1] == "Clean the rotor."
    assert "Context:" in last[2] and "and if that does not help?" in last[2]
