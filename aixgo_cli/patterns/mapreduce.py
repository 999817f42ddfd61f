"""mapreduce: split the input, map every piece through one member, reduce the results with another.

`splitter`: `lines` (default: non-empty lines), `jsonl` (one JSON value per non-empty line), `json_items`
(the input is a JSON array), `chunks` (at most `chunk_size` characters, default 4000, cut at white space
where there is some). An input that is already a list is used as it is. Pieces are mapped at once, at
most `concurrency_limit` (default 8); a failed piece
fails the step after the others finish (they are journaled: a resume maps only what is missing). The
reducer gets the mapped results as numbered sections and, by name (`sources`: `piece-1`...), as an
aggregator agent reads them. The result is the reducer's output. Places use the piece's index, so a
resumed run finds the same keys.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aixgo_cli.patterns.base import Call, Flow, Members, PatternDef, first_error, member_place, step_failed
from aixgo_cli.patterns.reading import text_of


@dataclass(frozen=True)
class MapReduceConfig:
    mapper: str
    reducer: str
    splitter: str = "lines"
    chunk_size: int = 4000
    concurrency_limit: int = 8

    @classmethod
    def read(cls, raw: Mapping[str, Any]) -> MapReduceConfig:
        return cls(
            str(raw["mapper"]),
            str(raw["reducer"]),
            str(raw.get("splitter", "lines")),
            int(raw.get("chunk_size", 4000)),
            int(raw.get("concurrency_limit", 8)),
        )


def split(flow: Flow[MapReduceConfig], payload: Any) -> list[Any]:
    if isinstance(payload, list):
        return payload
    text = text_of(payload)
    splitter = flow.config.splitter
    if splitter == "chunks":
        return chunks(text, flow.config.chunk_size)
    lines = [line for line in text.splitlines() if line.strip()]
    try:
        if splitter == "jsonl":
            return [json.loads(line) for line in lines]
        if splitter == "json_items":
            items = json.loads(text)
            if not isinstance(items, list):
                raise ValueError("not a JSON array")
            return items
    except ValueError as exc:
        raise step_failed(flow, f"the input cannot be split as {splitter}: {exc}", "check the input") from None
    return lines


def chunks(text: str, size: int) -> list[str]:
    """Pieces of at most `size` characters, each ending at the last white space inside the window when
    there is one (so words are not cut), else exactly at `size`."""
    pieces: list[str] = []
    start = 0
    while start < len(text):
        end = min(start + size, len(text))
        if end < len(text):
            cut = max(text.rfind(" ", start, end), text.rfind("\n", start, end))
            if cut > start:
                end = cut + 1
        if text[start:end].strip():
            pieces.append(text[start:end])
        start = end
    return pieces


def run_mapreduce(
    flow: Flow[MapReduceConfig], payload: Any, place: str, members: Members, seen: Mapping[str, Any]
) -> Any:
    config = flow.config
    pieces = split(flow, payload)
    if not pieces:
        raise step_failed(flow, f"the input gives nothing to map (splitter: {config.splitter})", "check the input")
    calls = [
        Call(config.mapper, piece, member_place(place, f"map.{i}", config.mapper)) for i, piece in enumerate(pieces)
    ]
    outcomes = members.run_many(calls, config.concurrency_limit, seen, fail_fast=False)
    if not all(o.ok for o in outcomes):
        raise first_error(outcomes)
    mapped = {f"piece-{i + 1}": o.value for i, o in enumerate(outcomes)}
    joined = "\n\n".join(f"[{name}]\n{text_of(value)}" for name, value in mapped.items())
    return members.run(config.reducer, joined, member_place(place, "reduce", config.reducer), seen, sources=mapped)


MAPREDUCE = PatternDef(MapReduceConfig.read, run_mapreduce)
