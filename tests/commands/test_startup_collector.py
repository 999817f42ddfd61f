"""The CLI pauses Python's garbage collector while it starts (cli/collector.py): a `run` collects again
once its model client is built, every other command at once, and `main` leaves the collector as it found
it, so a process that calls it (tests, an embedding program) is not changed by it."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from aixgo_cli.cli import main
from aixgo_cli.engine.runner import Runner

WORKFLOW = (
    "version: 1\nname: wf\nagents:\n"
    "  - name: lines\n    role: producer\n    producer_config: {source: input, format: lines}\n"
)


@pytest.fixture
def workflow(tmp_path: Path) -> Path:
    path = tmp_path / "wf.yaml"
    path.write_text(WORKFLOW, encoding="utf-8")
    return path


@pytest.fixture
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    gc.unfreeze()
    if not was:
        gc.disable()


def test_a_run_collects_garbage_while_its_steps_run(
    workflow: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, collector_on: None
) -> None:
    seen: list[bool] = []
    start = Runner.start

    def recording_start(self: Runner, *args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return start(self, *args, **kwargs)

    monkeypatch.setattr(Runner, "start", recording_start)
    monkeypatch.setenv("AIXGO_HOME", str(tmp_path / "home"))
    assert main(["run", str(workflow), "--input", "a\nb", "--db", str(tmp_path / "runs.db"), "--quiet"]) == 0
    assert seen == [True]  # collecting again before the run's first step
    assert gc.isenabled()


def test_other_commands_and_failures_leave_the_collector_on(workflow: Path, tmp_path: Path, collector_on: None) -> None:
    assert main(["validate", str(workflow)]) == 0
    assert gc.isenabled()
    assert main(["run", str(tmp_path / "missing.yaml")]) != 0  # refused before any client is built
    assert gc.isenabled()


def test_a_caller_that_turned_the_collector_off_keeps_it_off(workflow: Path, collector_on: None) -> None:
    gc.disable()
    assert main(["validate", str(workflow)]) == 0
    assert not gc.isenabled()
