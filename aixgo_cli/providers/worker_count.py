"""How many worker processes a run's model calls get when `--workers` is not given.

Workers pay off only when many calls are in flight at once: a single process spends ~2.5 ms of CPU per
call inside LiteLLM, so a fan-out of hundreds of calls is bound by one core. Below that, a worker costs
its fork and a pipe hop per call for nothing. The rule:

* 1 (calls on this process's event loop) unless some agent (or `limits.max_concurrency`) allows at least
  `WIDE_FAN_OUT` items at once;
* else one worker per CPU, at most `MAX_DEFAULT_WORKERS`: the parent still needs a core for the engine
  and the journal, and beyond that the provider, not the CPU, is the limit.
"""

from __future__ import annotations

import os

from aixgo_cli.config.model import Workflow

WIDE_FAN_OUT = 32
MAX_DEFAULT_WORKERS = 4


def default_workers(workflow: Workflow, cpu_count: int | None = None) -> int:
    declared = [a.concurrency for a in workflow.agents.values() if a.concurrency]
    if workflow.limits.max_concurrency:
        declared.append(workflow.limits.max_concurrency)
    widest = max((c for c in declared if c is not None), default=1)
    if widest < WIDE_FAN_OUT:
        return 1
    cpus = cpu_count if cpu_count is not None else (os.cpu_count() or 1)
    return max(1, min(cpus, MAX_DEFAULT_WORKERS))
