"""Engine and journal cost, side by side with a bare LiteLLM loop and with LangGraph (SPEC §9).

Prints, for an N-step chain against a local stub model server (in its own process, no latency):
  * seconds per step for a bare `litellm.completion` loop, for aixgo (engine + SQLite journal + the
    provider stack: retries, rate limiter, breaker), and for LangGraph with its SQLite checkpointer;
  * the overhead per step of each over the bare loop (budget: aixgo <= 0.5 ms);
  * journal bytes per step beyond the payload text (budget: <= 2 KB);
then the fan-out case (1,000 items at concurrency 100 against a 200 ms stub; ideal 2 s, budget 1.25x),
and the resume case (a run with 10,000 finished steps: time until its first new step; budget 1 s).

    pip install --require-hashes -r requirements/bench.lock   # adds LangGraph
    python benchmarks/bench_engine.py [--steps 100] [--repeat 3] [--skip-fanout] [--skip-langgraph]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("LITELLM_MODE", "PRODUCTION")
REPLY = "ok " * 50  # a fixed 150-character answer, so every step carries the same payload
SECRET = "sk-bench-not-a-real-key"


@contextmanager
def stub_process(latency_s: float) -> Iterator[str]:
    with tempfile.TemporaryDirectory() as tmp:
        port_file, rules = Path(tmp) / "port", Path(tmp) / "rules.json"
        rules.write_text(json.dumps([{"match": ".", "reply": REPLY}]))
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "aixgo_cli.testing.stub_model_server",
                "--port",
                "0",
                "--port-file",
                str(port_file),
                "--latency",
                str(latency_s),
                "--rules",
                str(rules),
            ]
        )
        try:
            deadline = time.monotonic() + 30
            while not port_file.exists() or not port_file.read_text().strip():
                if time.monotonic() > deadline:
                    raise SystemExit("the stub server did not start")
                time.sleep(0.01)
            yield f"http://127.0.0.1:{port_file.read_text().strip()}/v1"
        finally:
            process.terminate()
            process.wait(timeout=10)


def bare_loop(base_url: str, steps: int, *, quiet: bool = False) -> float:
    """`quiet` marks the calls internal to LiteLLM, as aixgo's client does, which skips LiteLLM's
    background success logging; comparing against both loops keeps the overhead figure honest."""
    import litellm
    from litellm._internal_context import is_internal_call

    token = is_internal_call.set(True) if quiet else None
    text = "start"
    started = time.perf_counter()
    for step in range(steps):
        response = litellm.completion(
            model="openai/stub-model",
            api_base=base_url,
            api_key=SECRET,
            max_retries=0,
            messages=[{"role": "user", "content": f"Step {step}: {text}"}],
        )
        text = response.choices[0].message.content
    elapsed = time.perf_counter() - started
    if token is not None:
        is_internal_call.reset(token)
    return elapsed


def chain_workflow(base_url: str, steps: int, directory: Path) -> Path:
    lines = [
        "version: 1",
        "name: bench-chain",
        "model_services:",
        "  - name: stub",
        "    provider: openai_compatible",
        "    model: stub-model",
        f"    api_base: {base_url}",
        "    api_key_secret: BENCH_KEY",
        "agents:",
    ]
    for step in range(steps):
        lines += [
            f"  - name: step{step}",
            "    role: react",
            "    model: stub",
            f'    prompt: "Step {step}: {{{{ input }}}}"',
        ]
    lines += ["orchestration:", "  pattern: sequential", f"  agents: [{', '.join(f'step{s}' for s in range(steps))}]"]
    path = directory / "chain.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def aixgo_chain(base_url: str, steps: int, directory: Path) -> tuple[float, int, int]:
    from aixgo_cli.config.model import load_workflow
    from aixgo_cli.engine.runner import Runner, RunParams
    from aixgo_cli.providers.stack import build_client
    from aixgo_cli.store.sqlite_journal import SqliteJournal

    workflow = load_workflow(chain_workflow(base_url, steps, directory))
    db = directory / "journal.db"
    client = build_client(lambda name: SECRET, workflow.model_services.values())
    with SqliteJournal(db) as journal:
        runner = Runner(journal, client, lambda event: None)
        started = time.perf_counter()
        outcome = runner.start(workflow, RunParams(input="start"))
        elapsed = time.perf_counter() - started
        assert outcome.status == "completed", outcome.error
    # Measured after close, when the WAL has been checkpointed into the database: what a run keeps.
    payload = sum(len(f"Step {s}: ") + 2 * len(REPLY) for s in range(steps))  # prompt + answer, once each
    size = sum(p.stat().st_size for p in directory.glob("journal.db*"))
    return elapsed, size, payload


def langgraph_chain(base_url: str, steps: int, directory: Path) -> float:
    import sqlite3
    from typing import TypedDict

    import litellm
    from langgraph.checkpoint.sqlite import SqliteSaver
    from langgraph.graph import END, START, StateGraph

    class State(TypedDict):
        text: str

    def node(step: int) -> Any:
        def call(state: State) -> State:
            response = litellm.completion(
                model="openai/stub-model",
                api_base=base_url,
                api_key=SECRET,
                max_retries=0,
                messages=[{"role": "user", "content": f"Step {step}: {state['text']}"}],
            )
            return {"text": response.choices[0].message.content}

        return call

    graph = StateGraph(State)
    previous = START
    for step in range(steps):
        graph.add_node(f"step{step}", node(step))
        graph.add_edge(previous, f"step{step}")
        previous = f"step{step}"
    graph.add_edge(previous, END)
    conn = sqlite3.connect(directory / "langgraph.db", check_same_thread=False)
    app = graph.compile(checkpointer=SqliteSaver(conn))
    started = time.perf_counter()
    app.invoke({"text": "start"}, {"configurable": {"thread_id": "bench"}, "recursion_limit": steps + 10})
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def fanout(items: int, concurrency: int, latency_s: float) -> float:
    from aixgo_cli.config.model import load_workflow
    from aixgo_cli.engine.runner import Runner, RunParams
    from aixgo_cli.providers.stack import build_client
    from aixgo_cli.store.sqlite_journal import SqliteJournal

    with stub_process(latency_s) as base_url, tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fanout.yaml"
        path.write_text(f"""version: 1
name: bench-fanout
model_services:
  - {{name: stub, provider: openai_compatible, model: stub-model, api_base: "{base_url}", api_key_secret: K}}
agents:
  - {{name: items, role: producer, producer_config: {{source: input, format: lines}}}}
  - {{name: answer, role: react, model: stub, inputs: [items], concurrency: {concurrency}}}
""")
        workflow = load_workflow(path)
        client = build_client(lambda name: SECRET, workflow.model_services.values())
        client.complete  # noqa: B018 - the stack is built; litellm is imported on the first call below
        import litellm

        litellm.completion(
            model="openai/stub-model",
            api_base=base_url,
            api_key=SECRET,
            max_retries=0,
            messages=[{"role": "user", "content": "warm"}],
        )
        with SqliteJournal(Path(tmp) / "j.db") as journal:
            runner = Runner(journal, client, lambda event: None)
            started = time.perf_counter()
            outcome = runner.start(workflow, RunParams(input="\n".join(f"q{n}" for n in range(items))))
            elapsed = time.perf_counter() - started
            assert outcome.status == "completed", outcome.error
    return elapsed


def fanout_bare(items: int, concurrency: int, latency_s: float) -> float:
    """The same fan-out with bare `litellm.completion` calls in a thread pool: the floor LiteLLM sets."""
    from concurrent.futures import ThreadPoolExecutor

    import litellm
    from litellm._internal_context import is_internal_call

    with stub_process(latency_s) as base_url:

        def call(n: int) -> None:
            is_internal_call.set(True)  # the same quiet logging as aixgo's client
            litellm.completion(
                model="openai/stub-model",
                api_base=base_url,
                api_key=SECRET,
                max_retries=0,
                messages=[{"role": "user", "content": f"q{n}"}],
            )

        call(-1)
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            started = time.perf_counter()
            list(pool.map(call, range(items)))
            return time.perf_counter() - started


def resume_large(steps: int) -> float:
    """A run paused after `steps` finished units: seconds from `resume` until its first new step starts."""
    from aixgo_cli.config.model import load_workflow
    from aixgo_cli.engine.runner import Runner, RunParams
    from aixgo_cli.events import StepStarted
    from aixgo_cli.store.sqlite_journal import SqliteJournal
    from aixgo_cli.testing.fake_client import ScriptedClient

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.yaml"
        path.write_text("""version: 1
name: bench-resume
agents:
  - {name: items, role: producer, producer_config: {source: input, format: lines}}
  - {name: answer, role: react, model: openai/gpt-4o-mini, inputs: [items], concurrency: 1}
""")
        workflow = load_workflow(path)
        params = RunParams(input="\n".join(f"q{n}" for n in range(steps + 10)), max_steps=steps + 1)
        with SqliteJournal(Path(tmp) / "j.db") as journal:
            first = Runner(journal, ScriptedClient(rules=[(".", "ok")]), lambda event: None).start(workflow, params)
            assert first.status == "paused", first.status
            run = journal.find_run(first.run_id)
            marks: list[float] = []

            def on_event(event: object) -> None:
                if isinstance(event, StepStarted) and not marks:
                    marks.append(time.perf_counter())

            runner = Runner(journal, ScriptedClient(rules=[(".", "ok")]), on_event)
            started = time.perf_counter()
            runner.resume(run, workflow, RunParams(input=params.input, max_steps=steps + 100))
            return marks[0] - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-fanout", action="store_true")
    parser.add_argument("--skip-langgraph", action="store_true")
    parser.add_argument("--resume-steps", type=int, default=10_000)
    args = parser.parse_args()
    os.environ["BENCH_KEY"] = SECRET
    n: int = args.steps
    with stub_process(0.0) as base_url:
        import litellm

        litellm.suppress_debug_info = True
        bare_loop(base_url, 5)  # warm: imports, connection pool
        bare, quiet, ours, peer, sizes = [], [], [], [], []
        for _ in range(args.repeat):
            bare.append(bare_loop(base_url, n))
            quiet.append(bare_loop(base_url, n, quiet=True))
            with tempfile.TemporaryDirectory() as tmp:
                elapsed, size, payload = aixgo_chain(base_url, n, Path(tmp))
                ours.append(elapsed)
                sizes.append((size, payload))
            if not args.skip_langgraph:
                with tempfile.TemporaryDirectory() as tmp:
                    peer.append(langgraph_chain(base_url, n, Path(tmp)))

    def per(values: list[float]) -> float:
        return float(statistics.median(values)) / n * 1000  # ms per step

    print(f"{n}-step chain, median of {args.repeat}, stub server in its own process, no latency")
    print(f"  bare litellm loop        {per(bare):7.3f} ms/step")
    print(f"  bare loop, quiet logging {per(quiet):7.3f} ms/step   (LiteLLM's success logging off, as in aixgo)")
    print(
        f"  aixgo (engine+journal)   {per(ours):7.3f} ms/step   overhead {per(ours) - per(bare):+7.3f} ms/step "
        f"over the bare loop, {per(ours) - per(quiet):+7.3f} over the quiet one   budget 0.5"
    )
    if peer:
        print(f"  langgraph + SqliteSaver  {per(peer):7.3f} ms/step   overhead {per(peer) - per(bare):+7.3f} ms/step")
    size, payload = sizes[-1]
    print(
        f"  journal: {size / n:7.0f} bytes/step in all, {(size - payload) / n:7.0f} bytes/step beyond the payload"
        " text   budget 2048"
    )
    if not args.skip_fanout:
        floor = fanout_bare(1000, 100, 0.2)
        print(
            f"fan-out floor: bare litellm in 100 threads, 1,000 calls, 200 ms stub: {floor:5.2f} s = "
            f"{floor / 2.0:4.2f}x the ideal 2 s"
        )
        elapsed = fanout(1000, 100, 0.2)
        print(
            f"fan-out: 1,000 items at concurrency 100, 200 ms stub: {elapsed:5.2f} s = {elapsed / 2.0:4.2f}x "
            "the ideal 2 s   budget 1.25x"
        )
    first_step = resume_large(args.resume_steps)
    print(
        f"resume of a run with {args.resume_steps:,} finished steps: first new step after {first_step:5.2f} s"
        "   budget 1 s"
    )


if __name__ == "__main__":
    main()
