"""Walking a workflow for one lane (one item): the agent graph, or the orchestration pattern tree.

Graph mode runs the lane's agents in dependency order; each agent receives the outputs of its data
sources (`inputs`/`outputs` edges), and agents with no sources receive the lane's item. Orchestration
mode hands the item to the root pattern, which runs members (agents or nested flows) through `Members`.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from aixgo_cli.agents.base import as_text
from aixgo_cli.config.model import FlowSpec, Workflow
from aixgo_cli.engine.context import RunContext
from aixgo_cli.engine.knowledge_units import is_index, search_unit
from aixgo_cli.engine.units import UnitRunner
from aixgo_cli.errors import AixgoError, RunError, RunInterrupted, RunPaused, UserError, resume_step
from aixgo_cli.patterns.base import Call, Flow, Outcome, PatternDef
from aixgo_cli.patterns.registry import pattern_for


def compile_flow(spec: FlowSpec) -> tuple[PatternDef[Any], Flow[Any]]:
    """A flow block with its pattern's typed config, read once per run rather than at every call."""
    pattern = pattern_for(spec.pattern)
    return pattern, Flow(spec.name, spec.pattern, spec.members, pattern.read(spec.config))


class Walker:
    """Implements `patterns.base.Members` over the unit runner."""

    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx
        self.units = UnitRunner(ctx)
        # The graph's shape is the same for every lane: work it out once, not per item and per agent.
        workflow = ctx.workflow
        self._order = workflow.agent_order()
        self._sources = {name: workflow.data_sources(name) for name in workflow.agents}
        self._ancestors = _ancestors(workflow, self._order)
        self._flows = {name: compile_flow(spec) for name, spec in workflow.flows.items()}
        self._root = compile_flow(workflow.orchestration) if workflow.orchestration is not None else None
        # A flow with `config.timeout`: its place -> (deadline, flow name, seconds). Keyed by place, not by
        # thread, because a flow's members may run on other threads.
        self._deadlines: dict[str, tuple[float, str, float]] = {}

    @property
    def workflow(self) -> Workflow:
        return self.ctx.workflow

    # Members ------------------------------------------------------------------------------------------

    def run(
        self,
        name: str,
        payload: Any,
        place: str,
        seen: Mapping[str, Any],
        *,
        sources: Mapping[str, Any] | None = None,
        instructions: str | None = None,
    ) -> Any:
        self._check_deadlines(place)
        compiled = self._flows.get(name)
        if compiled is not None:
            # A nested flow is given only its input: instructions and sources address one agent's prompt.
            pattern, flow = compiled
            return self._run_flow(pattern, flow, self.workflow.flows[name], payload, place, seen)
        if is_index(self.ctx, name):  # a `knowledge:` index as a member: one journaled search
            return search_unit(self.ctx, name, payload, place)
        spec = self.workflow.agents[name]
        return self.units.run(place, spec, payload, seen, sources, instructions=instructions)

    def _run_flow(
        self,
        pattern: PatternDef[Any],
        flow: Flow[Any],
        spec: FlowSpec,
        payload: Any,
        place: str,
        seen: Mapping[str, Any],
    ) -> Any:
        if spec.timeout_s is None:
            return pattern.run(flow, payload, place, self, seen)
        self._deadlines[place] = (time.monotonic() + spec.timeout_s, flow.name, spec.timeout_s)
        try:
            return pattern.run(flow, payload, place, self, seen)
        finally:
            self._deadlines.pop(place, None)

    def _check_deadlines(self, place: str) -> None:
        """A flow's timeout is checked before each of its members starts; a member already running
        finishes (its result is journaled, so a resume does not pay for it again)."""
        now = time.monotonic()
        for prefix, (deadline, name, seconds) in list(self._deadlines.items()):
            if now > deadline and place.startswith(prefix + "/"):
                raise RunError(
                    f"flow '{name}' ran past its timeout of {seconds:g}s",
                    hint="raise the flow's config.timeout; finished steps are kept; then:",
                    next_step=resume_step(),
                )

    def describe(self, name: str) -> str:
        spec = self.workflow.agents.get(name)
        if spec is not None:
            return spec.description or f"a {spec.role} agent"
        flow = self.workflow.flows.get(name)
        if flow is not None:
            return flow.description or f"a {flow.pattern} flow"
        return f"a search of the knowledge index '{name}'"

    def run_many(self, calls: Sequence[Call], limit: int, seen: Mapping[str, Any], *, fail_fast: bool) -> list[Outcome]:
        if limit <= 1 or len(calls) <= 1:
            outcomes = []
            for call in calls:
                outcomes.append(self._attempt(call, seen))
                if fail_fast and not outcomes[-1].ok:
                    break
            return outcomes
        stop = threading.Event()

        def attempt(call: Call) -> Outcome | None:
            if stop.is_set():  # fail_fast: a member not begun when another failed is never begun
                return None
            outcome = self._attempt(call, seen)
            if fail_fast and not outcome.ok:
                stop.set()
            return outcome

        pool = ThreadPoolExecutor(max_workers=min(limit, len(calls)), thread_name_prefix="aixgo-member")
        try:
            futures = [pool.submit(attempt, call) for call in calls]
            return [outcome for outcome in (f.result() for f in futures) if outcome is not None]
        except KeyboardInterrupt:
            self.ctx.cancelled.set()
            raise
        finally:
            # On an interruption or a pause, do not wait for members still in a model call.
            pool.shutdown(wait=not self.ctx.cancelled.is_set(), cancel_futures=True)

    def _attempt(self, call: Call, seen: Mapping[str, Any]) -> Outcome:
        try:
            value = self.run(
                call.member, call.payload, call.place, seen, sources=call.sources, instructions=call.instructions
            )
            return Outcome(call.member, value=value)
        except (RunPaused, RunInterrupted, UserError, KeyboardInterrupt):
            raise
        except AixgoError as exc:
            return Outcome(call.member, error=exc)

    # Lanes --------------------------------------------------------------------------------------------

    def run_lane(self, lane: str, item: Any, agents: Sequence[str]) -> Any:
        """Run one item through the lane's agents (graph mode); the result is what the sinks produced."""
        workflow = self.workflow
        if self._root is not None and workflow.orchestration is not None:
            pattern, root = self._root
            result = self._run_flow(pattern, root, workflow.orchestration, item, f"{lane}/orchestration", {})
            for name in agents:  # loggers around the orchestration receive its result
                result = self.units.run(f"{lane}/{name}", workflow.agents[name], result, lane_item=item)
            return result
        outputs: dict[str, Any] = {}
        for name in agents:
            spec = workflow.agents[name]
            sources = [s for s in self._sources[name] if s in outputs]
            if not sources:
                payload = item
            elif len(sources) == 1:
                payload = outputs[sources[0]]
            else:
                payload = "\n\n".join(f"[{source}]\n{as_text(outputs[source])}" for source in sources)
            # `{{ outputs.X }}` sees every upstream agent of this one, whatever the distance.
            seen = {a: outputs[a] for a in self._order if a in self._ancestors[name] and a in outputs}
            outputs[name] = self.units.run(
                f"{lane}/{name}",
                spec,
                payload,
                seen,
                {s: outputs[s] for s in sources} if len(sources) > 1 else None,
                lane_item=item,
            )
        sinks = [n for n in agents if not any(n in self._sources[m] for m in agents)]
        if len(sinks) == 1:
            return outputs[sinks[0]]
        return {n: outputs[n] for n in sinks}


def _ancestors(workflow: Workflow, order: Sequence[str]) -> dict[str, set[str]]:
    preds = workflow.predecessors()
    found: dict[str, set[str]] = {}
    for name in order:
        found[name] = set(preds[name]).union(*(found[p] for p in preds[name])) if preds[name] else set()
    return found


def _collect_one(
    finished: queue.SimpleQueue[Future[Any]],
    pending: dict[Future[Any], int],
    keep: Callable[[int, Any], None],
    cancelled: threading.Event,
) -> None:
    """Wait for the next lane to finish and hand (its index, its result) to `keep`; re-raise a lane's failure.

    Lanes not submitted yet are never started; lanes under way finish (their units are journaled).
    Finished lanes arrive on `finished` (each future's done callback puts it there): `wait()` over the
    pending futures would install and remove a waiter on each of them for every lane, O(window) per lane,
    ~0.4 ms per item with 200 lanes in flight."""
    future = finished.get()
    index = pending.pop(future)
    error = future.exception()
    if error is not None:
        if isinstance(error, (RunPaused, RunInterrupted)):
            cancelled.set()
        raise error
    keep(index, future.result())


class ItemLanes(Sequence[tuple[str, Any]]):
    """The (lane id, item) pairs of a producer's items, made as they are taken: a list of them would hold
    two more objects per item for the whole fan-out (~12 MB at 100,000 items)."""

    def __init__(self, producer: str, items: Any) -> None:
        self.producer = producer
        self.items: Sequence[Any] = items if isinstance(items, list | tuple) else list(items)

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(len(self.items))[index]]
        position = range(len(self.items))[index]  # a negative index names its lane by its position
        return f"{self.producer}[{position}]", self.items[position]

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        for index, item in enumerate(self.items):
            yield f"{self.producer}[{index}]", item


def run_lanes(
    walker: Walker,
    lanes: Sequence[tuple[str, Any]],
    agents: Sequence[str],
    concurrency: int,
    interval_s: float | None,
    cancelled: threading.Event,
    keep: Callable[[int, Any], None],
) -> None:
    """Each (lane id, item) through the lane agents, `concurrency` at a time; `keep(index, result)` gets
    each lane's result as it finishes, in this thread (in any order: a page of them is written at a time,
    so no list of every result is held)."""
    if concurrency <= 1 or len(lanes) <= 1:
        for index, (lane, item) in enumerate(lanes):
            if interval_s and index:
                cancelled.wait(interval_s)
            keep(index, walker.run_lane(lane, item, agents))
        return
    pool = ThreadPoolExecutor(max_workers=min(concurrency, len(lanes)), thread_name_prefix="aixgo-lane")
    # At most two lanes per worker are submitted at a time, so memory does not grow with the number of
    # items (a pending future costs ~2 KB; 100,000 submitted at once would hold 200 MB).
    window = 2 * concurrency
    pending: dict[Future[Any], int] = {}
    finished: queue.SimpleQueue[Future[Any]] = queue.SimpleQueue()
    try:
        for index, (lane, item) in enumerate(lanes):
            if interval_s and index:
                cancelled.wait(interval_s)
            while len(pending) >= window:
                _collect_one(finished, pending, keep, cancelled)
            future = pool.submit(walker.run_lane, lane, item, agents)
            pending[future] = index
            future.add_done_callback(finished.put)
        while pending:
            _collect_one(finished, pending, keep, cancelled)
    except KeyboardInterrupt:
        cancelled.set()
        raise
    finally:
        pool.shutdown(wait=not cancelled.is_set(), cancel_futures=True)
