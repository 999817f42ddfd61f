"""How many worker processes a run gets without `--workers`, and `--workers` checked like every option."""

from __future__ import annotations

from pathlib import Path

import pytest

from aixgo_cli.cli import main
from aixgo_cli.config.model import load_workflow
from aixgo_cli.providers.worker_count import MAX_DEFAULT_WORKERS, WIDE_FAN_OUT, default_workers

FLOW = """version: 1
name: fan
agents:
  - {{name: items, role: producer, producer_config: {{source: input, format: lines}}}}
  - {{name: answer, role: react, model: openai/gpt-4o-mini, inputs: [items]{concurrency}}}
{limits}"""


def workflow(tmp_path: Path, concurrency: int | None = None, max_concurrency: int | None = None) -> Path:
    path = tmp_path / "fan.yaml"
    path.write_text(
        FLOW.format(
            concurrency=f", concurrency: {concurrency}" if concurrency else "",
            limits=f"limits: {{max_concurrency: {max_concurrency}}}\n" if max_concurrency else "",
        )
    )
    return path


@pytest.mark.parametrize(
    ("concurrency", "max_concurrency", "cpus", "expected"),
    [
        (None, None, 8, 1),  # no fan-out declared
        (WIDE_FAN_OUT - 1, None, 8, 1),  # below the threshold: the in-process loop
        (WIDE_FAN_OUT, None, 2, 2),  # one per CPU
        (100, None, 16, MAX_DEFAULT_WORKERS),  # at most 4
        (None, 64, 3, 3),  # limits.max_concurrency counts too
        (100, None, 1, 1),
    ],
)
def test_the_default_follows_the_fan_out_and_the_cpus(
    tmp_path: Path, concurrency: int | None, max_concurrency: int | None, cpus: int, expected: int
) -> None:
    loaded = load_workflow(workflow(tmp_path, concurrency, max_concurrency))
    assert default_workers(loaded, cpu_count=cpus) == expected


@pytest.mark.parametrize("value", ["0", "-2", "many"])
def test_workers_below_one_or_not_a_number_is_a_usage_error(
    tmp_path: Path, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["run", str(workflow(tmp_path)), "--workers", value])
    assert code == 2
    assert "--workers" in capsys.readouterr().err
