"""A fan-out keeps a bounded number of lanes submitted, however many items it has (memory stays flat)."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from aixgo_cli.engine.walker import run_lanes
from aixgo_cli.errors import RunPaused


class CountingLanes(Sequence[tuple[str, Any]]):
    """Lanes that count how many have been taken for submission."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.taken = 0

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, index: Any) -> Any:
        raise AssertionError("run_lanes iterates its lanes")

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        for index in range(self.size):
            self.taken += 1
            yield f"items[{index}]", index


class RecordingWalker:
    def __init__(self, lanes: CountingLanes, fail_at: int | None = None) -> None:
        self.lanes = lanes
        self.fail_at = fail_at
        self.finished = 0
        self.ahead: list[int] = []  # lanes taken but not finished, seen by each lane as it starts
        self.lock = threading.Lock()

    def run_lane(self, lane: str, item: int, agents: Sequence[str]) -> str:
        with self.lock:
            self.ahead.append(self.lanes.taken - self.finished)
        if item == self.fail_at:
            raise RunPaused("step limit")
        with self.lock:
            self.finished += 1
        return f"{lane}:{item}"


def test_lanes_are_submitted_a_window_at_a_time_and_each_result_keeps_its_lane_index() -> None:
    lanes = CountingLanes(2000)
    walker = RecordingWalker(lanes)
    kept: dict[int, str] = {}
    run_lanes(walker, lanes, ["answer"], 4, None, threading.Event(), kept.__setitem__)  # type: ignore[arg-type]
    assert [kept[n] for n in range(2000)] == [f"items[{n}]:{n}" for n in range(2000)]
    assert len(kept) == 2000
    assert max(walker.ahead) <= 2 * 4 + 1


def test_a_failed_lane_stops_submission_and_is_raised() -> None:
    lanes = CountingLanes(2000)
    walker = RecordingWalker(lanes, fail_at=10)
    cancelled = threading.Event()
    with pytest.raises(RunPaused):
        run_lanes(walker, lanes, ["answer"], 4, None, cancelled, lambda index, result: None)  # type: ignore[arg-type]
    assert cancelled.is_set()
    assert lanes.taken <= 10 + 2 * 4 + 1  # the lanes after the window were never started


def test_item_lanes_name_each_item_by_its_position_without_a_list_of_pairs() -> None:
    from aixgo_cli.engine.walker import ItemLanes

    lanes = ItemLanes("items", ["a", "b", "c"])
    assert list(lanes) == [("items[0]", "a"), ("items[1]", "b"), ("items[2]", "c")]
    assert len(lanes) == 3
    assert lanes[-1] == ("items[2]", "c")
    assert lanes[0:2] == [("items[0]", "a"), ("items[1]", "b")]
    assert list(ItemLanes("p", iter(["x"]))) == [("p[0]", "x")]  # any iterable the producer gives
