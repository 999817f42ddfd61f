"""The runs page's routes over HTTP (Starlette's test client), on a real SQLite journal."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from tests.serve_page.page_app import VIEWER_KEY, add_run, make_app

from aixgo_cli.config.model import load_workflow
from aixgo_cli.secrets.redaction import default_redactor
from aixgo_cli.serve.page import COOKIE, run_html
from aixgo_cli.serve.page.html import SCRIPT, STYLE, content_security_policy
from aixgo_cli.serve.page.login import safe_next
from aixgo_cli.store.sqlite_journal import SqliteJournal

HTML = {"accept": "text/html"}
WORKFLOW = """\
version: 1
name: pipeline
model_services:
  - name: stub
    provider: openai_compatible
    model: stub-model
    api_base: http://127.0.0.1:9/v1
agents:
  - name: items
    role: producer
    producer_config: {source: input, format: lines}
  - name: answer
    role: react
    model: stub
    prompt: "Answer: {{ input }}"
    inputs: [items]
"""


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "runs.db"


@pytest.fixture
def client(db: Path, tmp_path: Path) -> Iterator[TestClient]:
    (tmp_path / "wf.yaml").write_text(WORKFLOW, encoding="utf-8")
    workflow = load_workflow(tmp_path / "wf.yaml")
    with SqliteJournal(db):
        pass  # the file exists, as it does once a server has run
    with TestClient(make_app(db, {"pipeline": workflow}), follow_redirects=False) as test_client:
        test_client.cookies.set(COOKIE, VIEWER_KEY)
        yield test_client


def test_the_list_shows_runs_newest_first_with_status_tokens_and_cost(client: TestClient, db: Path) -> None:
    with SqliteJournal(db) as journal:
        old = add_run(journal, "pipeline", [("items", ["a"]), ("answer", "fine")], result="fine")
        new = add_run(journal, "other", [("x", 1)], status="failed", error="boom")
    page = client.get("/", headers=HTML)
    assert page.status_code == 200
    rows = re.findall(r'<tr><th scope="row"><a href="/runs/([^"]+)">', page.text)
    assert rows == [new.run_id, old.run_id]
    assert "$0.0020" in page.text and ">30<" in page.text  # 2 steps x (10 in + 5 out) tokens
    assert 'class="status st-failed">failed<' in page.text


def test_the_list_filters_by_status_and_rejects_an_unknown_one(client: TestClient, db: Path) -> None:
    with SqliteJournal(db) as journal:
        done = add_run(journal, "pipeline", [("items", ["a"])])
        failed = add_run(journal, "pipeline", [("items", ["a"])], status="failed")
    page = client.get("/?status=failed", headers=HTML)
    assert failed.run_id in page.text and done.run_id not in page.text
    assert '<option value="failed" selected>' in page.text
    bad = client.get("/?status=<b>nope</b>", headers=HTML)
    assert bad.status_code == 400
    assert "&#x27;&lt;b&gt;nope&lt;/b&gt;&#x27; is not a run status; use one of: running, completed" in bad.text


def test_a_run_page_shows_summary_steps_timeline_outputs_and_the_coloured_graph(client: TestClient, db: Path) -> None:
    with SqliteJournal(db) as journal:
        run = add_run(journal, "pipeline", [("items", ["a", "b"]), ("answer", "the answer")], result=["the answer"])
    page = client.get(f"/runs/{run.run_id}", headers=HTML)
    assert page.status_code == 200
    steps = page.text.split('<table id="steps">')[1].split("</table>")[0]
    assert re.findall(r'<tr><th scope="row">([^<]+)</th>', steps) == ["items", "answer"]
    assert len(re.findall(r'<rect x="\d+" y="0" width="\d+" height="10" class="st-completed"/>', steps)) == 2
    assert '<pre id="result">[\n  &quot;the answer&quot;\n]</pre>' in page.text
    assert (
        '<li class="node st-completed" data-agent="answer">answer (react, stub) <strong>[completed]</strong>'
        in page.text
    )
    assert "→ answer" in page.text  # the items -> answer edge
    assert "The served file has changed since this run started" in page.text  # add_run records hash "h"
    assert "<script>" not in page.text  # a finished run needs no live refresh


def test_a_run_of_a_workflow_not_served_says_so_instead_of_a_graph(client: TestClient, db: Path) -> None:
    with SqliteJournal(db) as journal:
        run = add_run(journal, "elsewhere", [("a", 1)])
    page = client.get(f"/runs/{run.run_id}", headers=HTML).text
    assert "The workflow <code>elsewhere</code> is not served here" in page
    assert 'id="graph"' not in page


def test_a_run_page_finds_a_run_by_prefix_and_says_when_none_matches(client: TestClient, db: Path) -> None:
    with SqliteJournal(db) as journal:
        run = add_run(journal, "pipeline", [])
    assert client.get(f"/runs/{run.run_id[:-3]}", headers=HTML).status_code == 200
    missing = client.get("/runs/zzzz", headers=HTML)
    assert missing.status_code == 404
    assert "Run not found" in missing.text and 'role="alert"' in missing.text
    odd = client.get("/runs/%3Cscript%3Ex", headers=HTML)
    assert odd.status_code == 404 and "<script>x" not in odd.text


def test_model_output_is_shown_as_text_never_as_markup(client: TestClient, db: Path) -> None:
    evil = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    with SqliteJournal(db) as journal:
        run = add_run(journal, "pipeline<i>", [("answer", evil)], result=evil, status="failed", error=evil)
    page = client.get(f"/runs/{run.run_id}", headers=HTML).text + client.get("/", headers=HTML).text
    assert "<script>alert" not in page and "<img" not in page and "<i>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in page
    assert "pipeline&lt;i&gt;" in page


def test_outputs_pass_through_secret_redaction(client: TestClient, db: Path) -> None:
    secret = "hunter2-secret-value-xyz"  # registered process-wide, as a run's resolved secret would be
    default_redactor().register(secret)
    with SqliteJournal(db) as journal:
        run = add_run(journal, "pipeline", [("answer", f"the key is {secret}")], result=secret)
    page = client.get(f"/runs/{run.run_id}", headers=HTML).text
    assert secret not in page
    assert "the key is ***" in page


def test_every_page_has_a_strict_policy_that_allows_only_its_own_style_and_script(client: TestClient, db: Path) -> None:
    with SqliteJournal(db) as journal:
        run = add_run(journal, "pipeline", [("items", ["a"])], status="running")
    for path in ("/", f"/runs/{run.run_id}", "/login", "/runs/nope"):
        response = client.get(path, headers=HTML)
        policy = response.headers["content-security-policy"]
        assert policy == content_security_policy()
        assert "default-src 'self'" in policy and "unsafe-inline" not in policy
        assert response.headers["x-content-type-options"] == "nosniff"
    page = client.get(f"/runs/{run.run_id}", headers=HTML).text
    assert page.count("<script>") == 1 and f"<script>{SCRIPT}</script>" in page
    assert page.count("<style>") == 1 and f"<style>{STYLE}</style>" in page
    assert " style=" not in page  # inline style attributes would be blocked by the policy


def test_login_sets_an_http_only_strict_cookie_and_goes_back_to_a_local_page(db: Path) -> None:
    with TestClient(make_app(db, secure=True), follow_redirects=False) as anonymous:
        assert anonymous.get("/", headers=HTML).headers["location"] == "/login?next=/"
        form = anonymous.get("/login?next=/runs/abc")
        assert '<label for="key">API key</label>' in form.text and 'value="/runs/abc"' in form.text
        done = anonymous.post("/login", data={"key": VIEWER_KEY, "next": "/runs/abc"})
        assert done.status_code == 303 and done.headers["location"] == "/runs/abc"
        cookie = done.headers["set-cookie"]
        assert cookie.startswith(f"{COOKIE}={VIEWER_KEY};")
        assert all(part in cookie for part in ("HttpOnly", "SameSite=strict", "Secure", "Path=/"))
        elsewhere = anonymous.post("/login", data={"key": VIEWER_KEY, "next": "//evil.example/x"})
        assert elsewhere.headers["location"] == "/"
        out = anonymous.get("/logout")
        assert out.headers["location"] == "/login" and f'{COOKIE}=""' in out.headers["set-cookie"]


def test_a_wrong_key_gets_401_with_the_form_and_an_error_and_no_cookie(db: Path) -> None:
    with TestClient(make_app(db), follow_redirects=False) as anonymous:
        refused = anonymous.post("/login", data={"key": "not-a-key", "next": "/"})
        assert refused.status_code == 401
        assert 'role="alert" id="login-error">That key was not accepted' in refused.text
        assert "not-a-key" not in refused.text
        assert "set-cookie" not in refused.headers
        empty = anonymous.post("/login", data={"key": "", "next": "/"})
        assert empty.status_code == 401 and "Enter an API key." in empty.text
        huge = anonymous.post("/login", content=b"key=" + b"a" * 20_000)
        assert huge.status_code == 413


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/runs/1", "/runs/1"),
        ("/?status=failed", "/?status=failed"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
        ("/ok\r\nSet-Cookie: x=1", "/"),
        ("", "/"),
        (None, "/"),
    ],
)
def test_next_is_followed_only_to_a_path_on_this_site(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected


def test_the_live_stream_reports_a_change_then_the_end_of_a_finished_run(client: TestClient, db: Path) -> None:
    with SqliteJournal(db) as journal:
        run = add_run(journal, "pipeline", [("items", ["a"])])
    page = client.get(f"/runs/{run.run_id}", headers=HTML).text
    version = re.search(r'data-version="([0-9a-f]+)"', page)
    assert version is not None
    current = client.get(f"/runs/{run.run_id}/live?since={version.group(1)}")
    assert current.headers["content-type"].startswith("text/event-stream")
    assert current.text == "retry: 2000\n\nevent: end\ndata: ended\n\n"
    stale = client.get(f"/runs/{run.run_id}/live?since=old")
    assert stale.text == f"retry: 2000\n\nevent: change\ndata: {version.group(1)}\n\nevent: end\ndata: ended\n\n"
    assert client.get("/runs/nope/live").status_code == 404


def test_an_empty_or_missing_journal_shows_an_empty_list(tmp_path: Path) -> None:
    missing = tmp_path / "none" / "runs.db"
    with TestClient(make_app(missing)) as test_client:
        test_client.cookies.set(COOKIE, VIEWER_KEY)
        page = test_client.get("/", headers=HTML)
    assert page.status_code == 200 and "No runs yet" in page.text
    assert not missing.exists()


def test_a_login_form_posted_from_another_site_is_refused(db: Path) -> None:
    with TestClient(make_app(db), follow_redirects=False) as anonymous:
        foreign = anonymous.post("/login", data={"key": VIEWER_KEY}, headers={"origin": "https://evil.example"})
        assert foreign.status_code == 403 and "set-cookie" not in foreign.headers
        opaque = anonymous.post("/login", data={"key": VIEWER_KEY}, headers={"origin": "null"})
        assert opaque.status_code == 403
        own = anonymous.post("/login", data={"key": VIEWER_KEY}, headers={"origin": "http://testserver"})
        assert own.status_code == 303
        fetched = anonymous.post("/login", data={"key": VIEWER_KEY}, headers={"sec-fetch-site": "cross-site"})
        assert fetched.status_code == 403
        typed = anonymous.post("/login", data={"key": VIEWER_KEY}, headers={"sec-fetch-site": "same-origin"})
        assert typed.status_code == 303


def test_an_unreadable_journal_is_a_503_that_says_so(tmp_path: Path) -> None:
    damaged = tmp_path / "runs.db"
    damaged.write_bytes(b"this is not a SQLite database" * 100)
    with TestClient(make_app(damaged)) as test_client:
        test_client.cookies.set(COOKIE, VIEWER_KEY)
        for path in ("/", "/runs/r01"):
            page = test_client.get(path, headers=HTML)
            assert page.status_code == 503, page.text
            assert "The run journal cannot be read" in page.text
    assert damaged.read_bytes().startswith(b"this is not a SQLite database")  # read-only: left as it was


def test_a_very_long_run_shows_its_first_steps_and_says_how_many_more(
    client: TestClient, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(run_html, "MAX_STEPS_SHOWN", 2)
    with SqliteJournal(db) as journal:
        run = add_run(journal, "pipeline", [("a", 1), ("b", 2), ("c", 3), ("d", 4), ("e", 5)])
    page = client.get(f"/runs/{run.run_id}", headers=HTML).text
    steps = page.split('<table id="steps">')[1].split("</table>")[0]
    assert re.findall(r'<tr><th scope="row">([^<]+)</th>', steps) == ["a", "b"]
    assert "The first 2 steps are shown; 3 more" in page
    assert page.count("<details>") == 2


def test_the_live_stream_of_a_running_run_reports_each_new_step_and_its_end(client: TestClient, db: Path) -> None:
    with SqliteJournal(db) as journal:
        run = add_run(journal, "pipeline", [("items", ["a"])], status="running")
    version = re.search(r'data-version="([0-9a-f]+)"', client.get(f"/runs/{run.run_id}", headers=HTML).text)
    assert version is not None
    with client.stream("GET", f"/runs/{run.run_id[:-2]}/live?since={version.group(1)}") as stream:
        lines = stream.iter_lines()
        assert next(lines) == "retry: 2000"
        with SqliteJournal(db) as journal:  # a step lands while the stream is open
            journal.start_unit(run.run_id, "second", place="answer", input_hash="i", definition_hash="d")
        assert [next(lines), next(lines)] == ["", "event: change"]
        assert re.fullmatch(r"data: [0-9a-f]{16}", next(lines))
        with SqliteJournal(db) as journal:
            journal.complete_unit(run.run_id, "second", '"two"')
            journal.update_run(run.run_id, status="completed", steps=2)
        rest = [line for line in lines if line]
        assert rest[0] == "event: change" and rest[2:] == ["event: end", "data: ended"]
