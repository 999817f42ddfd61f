"""Validation scales linearly with the number of agents (SPEC: `validate` and `run` check a file up front).

Builds workflows of N and 4N agents in several shapes (a chain, a fan-out, one sequential flow over all,
nested flows, every reference misspelt, every prompt reading an unknown variable) and prints the CPU
time of validating each in-process, and the ratio: about 4 is linear, 16 would be quadratic (the
garbage collector adds a little). Prints figures; judging them is for people.

    python benchmarks/bench_validate.py [--agents 1250]
"""

from __future__ import annotations

import argparse
import gc
import time

from aixgo_cli.config.validate import validate_bytes
from aixgo_cli.testing.large_workflows import SHAPES, large_workflow


def cpu_seconds(text: str, *, collect: bool = True) -> float:
    """CPU time of one validation; with collect=False the cyclic garbage collector is paused, which
    shows the cost of aixgo's own code (the collector's passes grow with the number of live objects)."""
    if not collect:
        gc.disable()
    try:
        start = time.process_time()
        validate_bytes(text.encode(), "bench.yaml")
        return time.process_time() - start
    finally:
        gc.enable()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, default=1250)
    args = parser.parse_args()
    small, large = args.agents, 4 * args.agents
    print(f"validate, CPU seconds: {small:,} agents -> {large:,} agents (ratio; 4 = linear)")
    for shape in SHAPES:
        texts = large_workflow(shape, small), large_workflow(shape, large)
        first, second = (cpu_seconds(t) for t in texts)
        bare_first, bare_second = (cpu_seconds(t, collect=False) for t in texts)
        print(
            f"  {shape:<11} {first:6.2f} s -> {second:6.2f} s  (x{second / first:.1f}); "
            f"without the GC {bare_first:5.2f} s -> {bare_second:5.2f} s (x{bare_second / bare_first:.1f})"
        )


if __name__ == "__main__":
    main()
