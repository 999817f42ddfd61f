"""Engine and journal cost, measured like for like against a bare LiteLLM loop and LangGraph (SPEC §9).

Every figure is a median with its min-max over paired rounds, the sides run in alternating order (so
neither always runs warm or second). Every side makes the same HTTP requests the same way:
`litellm.acompletion` on an event loop, LiteLLM's success logging off (`is_internal_call`, as aixgo's
client sets it), against the same stub model server in its own process on 127.0.0.1.

    python benchmarks/bench_engine.py chain   [--steps 100] [--rounds 5] [--skip-langgraph]
        ms/step of a bare acompletion loop, of aixgo (engine + SQLite journal + provider stack), of
        LangGraph + AsyncSqliteSaver; overhead per step over the bare loop (budget 0.5 ms, <= 0.4x
        LangGraph's); journal bytes/step beyond the payload (budget 2 KB).
    python benchmarks/bench_engine.py fanout  [--items 1000] [--concurrency 100] [--latency 0.2] [--workers 2]
        1,000 items x 200 ms at concurrency 100 in-process: a bare asyncio.gather floor, aixgo with 1 and
        N workers (ideal 2 s, budget 1.25x), connections the stub accepted (budget concurrency + a few).
    python benchmarks/bench_engine.py cli     [same flags as fanout]
        the same fan-out by the real CLI, process start to exit (budget 1.5x the ideal).
    python benchmarks/bench_engine.py cpu     [--items 10000] [--workers 1]
        CPU per item end to end by the CLI against a 0-latency stub (budget 2.5 ms), workers included.
    python benchmarks/bench_engine.py engine  [--steps 100] [--items 2000] [--rounds 7]
        the engine and journal alone: the same chain and fan-out with a client that answers at once (no
        HTTP, no LiteLLM), CPU ms per step; what the chain's overhead figure contains besides the bridge
        to the event loop and the provider stack.
    python benchmarks/bench_engine.py resume  [--resume-steps 10000]
        a run with N finished steps: seconds from `resume` to its first new step (budget 1 s).

LangGraph comes from requirements/bench.lock. Each command stays under ~60 s with its defaults here.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import inspect
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPLY = "ok " * 50  # a fixed 150-character answer, so every step carries the same payload
SECRET = "sk-bench-not-a-real-key"
REPO = Path(__file__).resolve().parents[1]


def spread(values: list[float], scale: float = 1.0, digits: int = 3) -> str:
    """'median (min-max)' of `values` times `scale`."""
    return (
        f"{statistics.median(values) * scale:.{digits}f} "
        f"({min(values) * scale:.{digits}f}-{max(values) * scale:.{digits}f})"
    )


class Stub:
    """The stub model server in its own process (this repository's, which counts connections)."""

    def __init__(self, latency_s: float) -> None:
        self.latency_s = latency_s

    @contextmanager
    def running(self) -> Iterator[Stub]:
        with tempfile.TemporaryDirectory() as tmp:
            port_file = Path(tmp) / "port"
            process = subprocess.Popen(
                [
                    *(sys.executable, "-m", "aixgo_cli.testing.stub_model_server", "--port", "0"),
                    *("--port-file", str(port_file), "--latency", str(self.latency_s)),
                ],
                env={**os.environ, "PYTHONPATH": str(REPO)},
            )
            try:
                deadline = time.monotonic() + 30
                while not port_file.exists() or not port_file.read_text().strip():
                    if time.monotonic() > deadline:
                        raise SystemExit("the stub server did not start")
                    time.sleep(0.01)
                self.root = f"http://127.0.0.1:{port_file.read_text().strip()}"
                self.base_url = self.root + "/v1"
                self.reset()
                yield self
            finally:
                process.terminate()
                process.wait(timeout=10)

    def _post(self, path: str, body: Any) -> None:
        request = urllib.request.Request(self.root + path, data=json.dumps(body).encode(), method="POST")
        urllib.request.urlopen(request, timeout=10).read()

    def reset(self) -> None:
        """Clear the request log and the connection count; every answer is REPLY."""
        self._post("/_stub/reset", {})
        self._post("/_stub/config", {"latency_s": self.latency_s})
        self._post("/_stub/rules", [{"match": ".", "reply": REPLY}])

    def connections(self) -> int:
        with urllib.request.urlopen(self.root + "/_stub/stats", timeout=10) as reply:
            return int(json.loads(reply.read()).get("connections", -1))


def quiet_litellm() -> Any:
    """LiteLLM as aixgo configures it (its environment switches, no debug banner)."""
    from aixgo_cli.providers.litellm_client import load_litellm

    return load_litellm()


def same_path_as_aixgo(base_url: str) -> str:
    """The model string aixgo calls LiteLLM with for this stub (a plain request to a local OpenAI-protocol
    server), so that the bare loop and the peer take the same HTTP path as aixgo."""
    from aixgo_cli.providers.litellm_client import wire_model
    from aixgo_cli.providers.model_ref import ResolvedModel

    return wire_model(ResolvedModel("openai/stub-model", api_base=base_url), with_tools=False)


async def acall(base_url: str, text: str) -> str:
    litellm = quiet_litellm()  # first: importing any part of LiteLLM without its switches fetches its price map
    from litellm._internal_context import is_internal_call

    is_internal_call.set(True)  # the same quiet logging as aixgo's client, in this task only
    response = await litellm.acompletion(
        model=same_path_as_aixgo(base_url),
        api_base=base_url,
        api_key=SECRET,
        max_retries=0,
        num_retries=0,
        timeout=60,
        messages=[{"role": "user", "content": text}],
    )
    return str(response.choices[0].message.content)


def service_yaml(base_url: str) -> str:
    return (
        "model_services:\n"
        f"  - {{name: stub, provider: openai_compatible, model: stub-model, api_base: '{base_url}', "
        "api_key_secret: BENCH_KEY}\n"
    )


def chain_workflow(base_url: str, steps: int, directory: Path) -> Path:
    lines = ["version: 1", "name: bench-chain", service_yaml(base_url).rstrip(), "agents:"]
    for step in range(steps):
        prompt = f'    prompt: "Step {step}: {{{{ input }}}}"'
        lines += [f"  - name: step{step}", "    role: react", "    model: stub", prompt]
    lines += ["orchestration:", "  pattern: sequential", f"  agents: [{', '.join(f'step{s}' for s in range(steps))}]"]
    path = directory / "chain.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def fanout_workflow(base_url: str, concurrency: int, directory: Path) -> Path:
    path = directory / "fanout.yaml"
    path.write_text(
        "version: 1\nname: bench-fanout\n" + service_yaml(base_url) + "agents:\n"
        "  - {name: items, role: producer, producer_config: {source: input, format: lines}}\n"
        f"  - {{name: answer, role: react, model: stub, inputs: [items], concurrency: {concurrency}}}\n"
    )
    return path


def make_client(workflow: Any, workers: int) -> Any:
    from aixgo_cli.providers.stack import build_client

    kwargs: dict[str, Any] = {}
    if "workers" in inspect.signature(build_client).parameters:
        kwargs["workers"] = workers
    elif workers != 1:
        raise SystemExit("this aixgo has no worker processes")
    return build_client(lambda name: SECRET, workflow.model_services.values(), **kwargs)


def aixgo_run(workflow: Any, client: Any, text: str, db: Path) -> float:
    from aixgo_cli.engine.runner import Runner, RunParams
    from aixgo_cli.store.sqlite_journal import SqliteJournal

    with SqliteJournal(db) as journal:
        runner = Runner(journal, client, lambda event: None)
        started = time.perf_counter()
        outcome = runner.start(workflow, RunParams(input=text))
        elapsed = time.perf_counter() - started
        assert outcome.status == "completed", outcome.error
    return elapsed


def rounds_in_alternating_order(
    sides: dict[str, Callable[[], float]], rounds: int, cpu: dict[str, list[float]] | None = None
) -> dict[str, list[float]]:
    """Each side once per round; the order reverses every round. `cpu` collects each side's CPU seconds
    in this process (its threads included), which a busy machine disturbs far less than wall time."""
    names = list(sides)
    results: dict[str, list[float]] = {name: [] for name in names}
    for round_number in range(rounds):
        for name in names if round_number % 2 == 0 else reversed(names):
            started = time.process_time()
            results[name].append(sides[name]())
            if cpu is not None:
                cpu.setdefault(name, []).append(time.process_time() - started)
    return results


def chain(args: argparse.Namespace) -> None:
    from aixgo_cli.config.model import load_workflow

    steps: int = args.steps
    loop = asyncio.new_event_loop()  # the bare loop's and LangGraph's: one loop, so their clients stay pooled
    with Stub(0.0).running() as stub, tempfile.TemporaryDirectory() as tmp:
        workflow = load_workflow(chain_workflow(stub.base_url, steps, Path(tmp)))
        client = make_client(workflow, 1)
        sizes: list[int] = []

        async def bare_chain() -> None:
            text = "start"
            for step in range(steps):
                text = await acall(stub.base_url, f"Step {step}: {text}")

        def bare() -> float:
            started = time.perf_counter()
            loop.run_until_complete(bare_chain())
            return time.perf_counter() - started

        def ours() -> float:
            with tempfile.TemporaryDirectory() as run_dir:
                elapsed = aixgo_run(workflow, client, "start", Path(run_dir) / "journal.db")
                sizes.append(sum(p.stat().st_size for p in Path(run_dir).glob("journal.db*")))
            return elapsed

        sides: dict[str, Callable[[], float]] = {"bare": bare, "aixgo": ours}
        if not args.skip_langgraph:
            sides["langgraph"] = lambda: loop.run_until_complete(langgraph_chain(stub.base_url, steps))
        for side in sides.values():
            side()  # warm: imports, pooled connections
        sizes.clear()
        cpu: dict[str, list[float]] = {}
        times = rounds_in_alternating_order(sides, args.rounds, cpu)
    per_step = 1000 / steps
    print(f"{steps}-step chain, {args.rounds} paired rounds, median (min-max), 0-latency stub in its own process")
    for what, figures in (("wall", times), ("CPU", cpu)):
        print(f"  {what} time per step:")
        print(f"    bare acompletion loop   {spread(figures['bare'], per_step)} ms/step")
        ours_over = [a - b for a, b in zip(figures["aixgo"], figures["bare"], strict=True)]
        print(f"    aixgo (engine+journal)  {spread(figures['aixgo'], per_step)} ms/step")
        print(f"      overhead over bare    {spread(ours_over, per_step)} ms/step   budget 0.5")
        if "langgraph" in figures:
            peer_over = [a - b for a, b in zip(figures["langgraph"], figures["bare"], strict=True)]
            print(f"    langgraph+SqliteSaver   {spread(figures['langgraph'], per_step)} ms/step")
            print(f"      overhead over bare    {spread(peer_over, per_step)} ms/step")
            ratio = statistics.median(ours_over) / statistics.median(peer_over)
            print(f"    aixgo's overhead / LangGraph's (medians): {ratio:.2f}   budget 0.4")
    payload = sum(len(f"Step {s}: ") + 2 * len(REPLY) for s in range(steps))  # prompt + answer, once each
    beyond = [(size - payload) / steps for size in sizes]
    # 150-character answers stay inline (blobs take strings of 256 characters and more), so each is in the
    # next step's request, its reply and its output; the 2 KB budget is for 2 KB answers: bench_journal.py.
    print(f"  journal beyond the payload text: {spread(beyond, 1, 0)} bytes/step (150-character answers)")


async def langgraph_chain(base_url: str, steps: int) -> float:
    from typing import TypedDict

    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
    from langgraph.graph import END, START, StateGraph

    class State(TypedDict):
        text: str

    def node(step: int) -> Any:
        async def call(state: State) -> State:
            return {"text": await acall(base_url, f"Step {step}: {state['text']}")}

        return call

    graph = StateGraph(State)
    previous = START
    for step in range(steps):
        graph.add_node(f"step{step}", node(step))
        graph.add_edge(previous, f"step{step}")
        previous = f"step{step}"
    graph.add_edge(previous, END)
    with tempfile.TemporaryDirectory() as tmp:
        async with AsyncSqliteSaver.from_conn_string(str(Path(tmp) / "langgraph.db")) as saver:
            app = graph.compile(checkpointer=saver)
            started = time.perf_counter()
            config: Any = {"configurable": {"thread_id": "bench"}, "recursion_limit": steps + 10}
            await app.ainvoke({"text": "start"}, config)
            return time.perf_counter() - started


def fanout(args: argparse.Namespace) -> None:
    from aixgo_cli.config.model import load_workflow

    items, concurrency, ideal = args.items, args.concurrency, args.items / args.concurrency * args.latency
    text = "\n".join(f"q{n}" for n in range(items))
    loop = asyncio.new_event_loop()
    connections: dict[str, list[int]] = {}
    with Stub(args.latency).running() as stub, tempfile.TemporaryDirectory() as tmp:
        workflow = load_workflow(fanout_workflow(stub.base_url, concurrency, Path(tmp)))
        clients = {n: make_client(workflow, n) for n in sorted({1, args.workers})}

        async def gather_all() -> None:
            gate = asyncio.Semaphore(concurrency)

            async def one(n: int) -> None:
                async with gate:
                    await acall(stub.base_url, f"q{n}")

            await asyncio.gather(*(one(n) for n in range(items)))

        def counted(name: str, run: Callable[[], float]) -> Callable[[], float]:
            def measured() -> float:
                stub.reset()
                elapsed = run()
                connections.setdefault(name, []).append(stub.connections())
                return elapsed

            return measured

        def timed_gather() -> float:
            started = time.perf_counter()
            loop.run_until_complete(gather_all())
            return time.perf_counter() - started

        sides = {"bare asyncio.gather": counted("bare", timed_gather)}
        for n, client in clients.items():
            db = Path(tmp) / f"j{n}.db"
            sides[f"aixgo, {n} worker(s)"] = counted(f"w{n}", functools.partial(aixgo_run, workflow, client, text, db))
        loop.run_until_complete(acall(stub.base_url, "warm"))
        times = rounds_in_alternating_order(sides, args.rounds)
    print(
        f"fan-out in-process: {items:,} items x {args.latency * 1000:.0f} ms at concurrency {concurrency}, "
        f"{args.rounds} rounds, median (min-max); ideal {ideal:.2f} s, budget 1.25x"
    )
    for (name, values), counts in zip(times.items(), connections.values(), strict=True):
        ratios = [v / ideal for v in values]
        print(f"  {name:22} {spread(values, 1, 2)} s = {spread(ratios, 1, 2)}x   connections opened {max(counts)}")


def cli_command(workflow: Path, db: Path, items_file: Path, workers: int) -> list[str]:
    command = [sys.executable, "-m", "aixgo_cli", "run", str(workflow), "--input", f"@{items_file}"]
    command += ["--db", str(db), "--quiet"]
    return command + (["--workers", str(workers)] if workers else [])


def cli_run(command: list[str], home: Path) -> tuple[float, float]:
    """Wall seconds from process start to exit, and CPU seconds of the process and its children."""
    env = {**os.environ, "BENCH_KEY": SECRET, "AIXGO_HOME": str(home), "NO_COLOR": "1"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"aixgo run failed ({done.returncode}): {done.stderr[-2000:]}")
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def cli(args: argparse.Namespace) -> None:
    items, concurrency, ideal = args.items, args.concurrency, args.items / args.concurrency * args.latency
    with Stub(args.latency).running() as stub, tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        workflow = fanout_workflow(stub.base_url, concurrency, directory)
        items_file = directory / "items.txt"
        items_file.write_text("\n".join(f"q{n}" for n in range(items)))
        counts: dict[int, list[int]] = {}
        sides: dict[str, Callable[[], float]] = {}
        for workers in sorted({1, args.workers}):

            def side(workers: int = workers) -> float:
                stub.reset()
                db = directory / f"j-{workers}-{time.perf_counter_ns()}.db"
                elapsed, _ = cli_run(cli_command(workflow, db, items_file, workers), directory)
                counts.setdefault(workers, []).append(stub.connections())
                return elapsed

            sides[f"aixgo run, {workers} worker(s)"] = side
        times = rounds_in_alternating_order(sides, args.rounds)
    print(
        f"fan-out by the CLI, process start to exit: {items:,} items x {args.latency * 1000:.0f} ms at "
        f"concurrency {concurrency}, {args.rounds} rounds; ideal {ideal:.2f} s, budget 1.5x"
    )
    for (name, values), workers in zip(times.items(), sorted(counts), strict=True):
        ratios = [v / ideal for v in values]
        print(f"  {name:24} {spread(values, 1, 2)} s = {spread(ratios, 1, 2)}x   connections {max(counts[workers])}")


def cpu(args: argparse.Namespace) -> None:
    with Stub(0.0).running() as stub, tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        workflow = fanout_workflow(stub.base_url, args.concurrency, directory)
        items_file = directory / "items.txt"
        items_file.write_text("\n".join(f"q{n}" for n in range(args.items)))
        walls, cpus = [], []
        for attempt in range(args.rounds):
            db = directory / f"j{attempt}.db"
            wall, spent = cli_run(cli_command(workflow, db, items_file, args.workers), directory)
            walls.append(wall)
            cpus.append(spent)
    print(
        f"CPU end to end by the CLI: {args.items:,} items, concurrency {args.concurrency}, 0-latency stub, "
        f"{args.workers or 'default'} worker(s), {args.rounds} round(s), median (min-max)"
    )
    print(f"  wall {spread(walls, 1, 2)} s;  CPU {spread(cpus, 1000 / args.items, 2)} ms/item   budget 2.5")


def resume(args: argparse.Namespace) -> None:
    from aixgo_cli.config.model import load_workflow
    from aixgo_cli.engine.runner import Runner, RunParams
    from aixgo_cli.events import StepStarted
    from aixgo_cli.store.sqlite_journal import SqliteJournal
    from aixgo_cli.testing.fake_client import ScriptedClient

    steps = args.resume_steps
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.yaml"
        path.write_text(
            "version: 1\nname: bench-resume\nagents:\n"
            "  - {name: items, role: producer, producer_config: {source: input, format: lines}}\n"
            "  - {name: answer, role: react, model: openai/gpt-4o-mini, inputs: [items], concurrency: 1}\n"
        )
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
    waited = marks[0] - started
    print(f"resume of a run with {steps:,} finished steps: first new step after {waited:5.2f} s   budget 1 s")


def engine(args: argparse.Namespace) -> None:
    from aixgo_cli.config.model import load_workflow
    from aixgo_cli.engine.runner import Runner, RunParams
    from aixgo_cli.providers.types import ChatRequest, ChatResponse, Usage
    from aixgo_cli.store.sqlite_journal import SqliteJournal

    class AtOnce:
        """Answers every request at once with the benchmark's fixed reply."""

        def complete(self, request: ChatRequest, *, on_token: Any = None) -> ChatResponse:
            return ChatResponse(content=REPLY, usage=Usage(10, 10, 0.0, True), model=request.model)

    def cpu_ms_per_unit(workflow: Any, text: str, units: int, db: Path) -> float:
        with SqliteJournal(db) as journal:
            started = time.process_time()
            outcome = Runner(journal, AtOnce(), lambda event: None).start(workflow, RunParams(input=text))
            assert outcome.status == "completed", outcome.error
            return (time.process_time() - started) * 1000 / units

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        unreachable = "http://127.0.0.1:9/v1"  # never called
        shapes = {
            f"{args.steps}-step chain": (
                load_workflow(chain_workflow(unreachable, args.steps, directory)),
                "start",
                args.steps,
            ),
            f"fan-out of {args.items:,} @{args.concurrency}": (
                load_workflow(fanout_workflow(unreachable, args.concurrency, directory)),
                "\n".join(f"q{n}" for n in range(args.items)),
                args.items,
            ),
        }
        print(f"engine + SQLite journal alone (a client that answers at once), {args.rounds} rounds, median (min-max)")
        for name, (workflow, text, units) in shapes.items():
            cpu_ms_per_unit(workflow, text, units, directory / "warm.db")
            figures = [cpu_ms_per_unit(workflow, text, units, directory / f"{n}.db") for n in range(args.rounds)]
            print(f"  {name:28} {spread(figures)} ms CPU per step")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["chain", "fanout", "cli", "cpu", "resume", "engine"])
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=None, help="paired rounds (default: 5 chain, 3 others)")
    parser.add_argument("--skip-langgraph", action="store_true")
    parser.add_argument("--items", type=int, default=None, help="default: 1,000 (fanout, cli), 10,000 (cpu)")
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--latency", type=float, default=0.2, help="seconds per stub answer (fanout, cli)")
    parser.add_argument("--workers", type=int, default=None, help="worker processes (default: 2; cpu: aixgo's)")
    parser.add_argument("--resume-steps", type=int, default=10_000)
    args = parser.parse_args()
    if args.rounds is None:
        args.rounds = {"chain": 5, "cpu": 1, "engine": 7}.get(args.what, 3)
    if args.items is None:
        args.items = {"cpu": 10_000, "engine": 2000}.get(args.what, 1000)
    if args.workers is None:
        args.workers = 0 if args.what == "cpu" else 2
    quiet_litellm()
    load = os.getloadavg()
    print(f"[{os.cpu_count()} CPUs, load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} at the start]")
    commands = {"chain": chain, "fanout": fanout, "cli": cli, "cpu": cpu, "resume": resume, "engine": engine}
    commands[args.what](args)


if __name__ == "__main__":
    main()
