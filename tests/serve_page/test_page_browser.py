"""The runs page in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright): log in,
see a run made by the real CLI against the stub model, its steps and graph, a screenshot with content,
model output containing a script shown as text, and the page refreshing itself when a step lands."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.serve_page.page_app import VIEWER_KEY, add_run, make_app
from tests.serve_page.png_pixels import colour_spread, png_pixels
from tests.support.e2e import Cli, stub_service

from aixgo_cli.config.model import load_workflow
from aixgo_cli.store.sqlite_journal import SqliteJournal
from aixgo_cli.testing.stub_model_server import StubModelServer

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium (apt-get install chromium)"),
]
# Everything a headless browser would reach on its own is off, and no name resolves but loopback.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-proxy-server",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
WORKFLOW = """\
version: 1
name: page-demo
{service}
agents:
  - name: items
    role: producer
    producer_config: {{source: input, format: lines}}
  - name: answer
    role: react
    model: stub
    concurrency: 1
    prompt: "{{{{ input }}}}"
    inputs: [items]
"""
EVIL = "<script>alert(1)</script>"


class Served:
    """The page app under uvicorn on a socket bound here (so the browser can connect before the server's
    loop accepts: the listen backlog holds the connection, nothing to wait for)."""

    def __init__(self, app: object) -> None:
        import uvicorn

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        config = uvicorn.Config(app, log_level="warning", lifespan="off", timeout_graceful_shutdown=2)  # type: ignore[arg-type]
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> Served:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


@pytest.fixture
def served_runs(cli: Cli, stub: StubModelServer) -> Iterator[tuple[Served, str]]:
    path = cli.write("demo.yaml", WORKFLOW.format(service=stub_service(stub)))
    done = cli.run("run", "demo.yaml", "--input", f"hello page\n{EVIL}", "--json")
    assert done.returncode == 0, done.stderr
    run_id = json.loads(done.stdout)["run_id"]
    with Served(make_app(cli.db, {"page-demo": load_workflow(path)})) as served:
        yield served, run_id


def test_the_page_in_a_real_browser(served_runs: tuple[Served, str], tmp_path: Path) -> None:
    from playwright.sync_api import ConsoleMessage, Dialog, expect, sync_playwright

    served, run_id = served_runs
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=60_000)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            dialogs: list[str] = []
            problems: list[str] = []

            def on_dialog(dialog: Dialog) -> None:
                dialogs.append(dialog.message)
                dialog.dismiss()

            def on_console(message: ConsoleMessage) -> None:
                if message.type == "error":
                    problems.append(message.text)

            page.on("dialog", on_dialog)
            page.on("console", on_console)

            # Not signed in: the list sends the browser to the form, which brings it back.
            page.goto(served.url + "/", timeout=30_000)
            expect(page.get_by_label("API key")).to_be_visible()
            page.get_by_label("API key").fill("wrong-key")
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_role("alert")).to_contain_text("That key was not accepted")
            page.get_by_label("API key").fill(VIEWER_KEY)
            page.get_by_role("button", name="Sign in").click()

            runs = page.locator("#runs")
            expect(runs).to_contain_text(run_id)
            expect(runs).to_contain_text("page-demo")
            expect(runs).to_contain_text("completed")
            page.get_by_role("link", name=run_id).click()

            expect(page.get_by_role("heading", name=f"Run {run_id}")).to_be_visible()
            steps = page.locator("#steps tbody tr")
            expect(steps).to_have_count(3)  # the producer and one answer per line
            expect(page.locator("#steps rect.st-completed")).to_have_count(3)
            expect(page.locator('#graph li.node[data-agent="answer"]')).to_contain_text("[completed]")
            expect(page.get_by_text("The served file has changed")).to_have_count(0)  # the run's own file

            # Model output with a script is text on the page; nothing ran.
            expect(page.locator("#result")).to_contain_text(EVIL)
            page.locator("#outputs summary").last.click()
            expect(page.locator("#outputs pre").last).to_contain_text(EVIL)
            assert dialogs == []
            assert page.evaluate("document.querySelectorAll('main script').length") == 0

            shot = page.screenshot(full_page=True)
            (tmp_path / "run-page.png").write_bytes(shot)
            width, height, pixels = png_pixels(shot)
            colours, not_background = colour_spread(pixels)
            assert width >= 1000 and height >= 600
            assert colours >= 20 and not_background > 0.05, (colours, not_background)
            assert not [text for text in problems if "Content Security Policy" in text], problems
        finally:
            browser.close()


def test_the_run_page_refreshes_itself_when_a_step_lands_and_works_without_javascript(tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    db = tmp_path / "runs.db"
    with SqliteJournal(db) as journal:
        run = add_run(journal, "live-demo", [("first-step", "one")], status="running")
    with Served(make_app(db)) as served, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=60_000)
        try:
            context = browser.new_context()
            context.add_cookies([{"name": "aixgo_key", "value": VIEWER_KEY, "url": served.url}])
            page = context.new_page()
            page.goto(f"{served.url}/runs/{run.run_id}", timeout=30_000)
            expect(page.locator("#steps tbody tr")).to_have_count(1)
            expect(page.locator("#live-note")).to_have_text("Updating live.")  # the stream is open

            with SqliteJournal(db) as journal:
                journal.start_unit(run.run_id, "second", place="second-step", input_hash="i", definition_hash="d")
                journal.complete_unit(run.run_id, "second", '"two"')
            expect(page.locator("#steps tbody tr")).to_have_count(2, timeout=20_000)
            expect(page.locator("#steps")).to_contain_text("second-step")

            with SqliteJournal(db) as journal:
                journal.update_run(run.run_id, status="completed", result_json='"done"', steps=2)
            expect(page.locator("#result")).to_have_text("done", timeout=20_000)
            expect(page.locator("#live-note")).to_have_text("The run has ended.")

            # Without JavaScript the same pages work: a plain form signs in, the run reads the same.
            plain = browser.new_context(java_script_enabled=False).new_page()
            plain.goto(f"{served.url}/runs/{run.run_id}", timeout=30_000)
            plain.get_by_label("API key").fill(VIEWER_KEY)
            plain.get_by_role("button", name="Sign in").click()
            expect(plain.locator("#steps tbody tr")).to_have_count(2)
            expect(plain.locator("#result")).to_have_text("done")
        finally:
            browser.close()
