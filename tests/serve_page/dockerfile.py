"""A Dockerfile as (instruction, arguments) pairs, grouped by build stage: comments dropped, continued
lines joined. Enough to check what the image does without a Docker engine."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, instruction: str) -> list[str]:
        return [args for name, args in self.instructions if name == instruction]


@dataclass
class Dockerfile:
    args: dict[str, str]  # ARG defaults declared before the first FROM
    stages: list[Stage]

    def base_of(self, stage: Stage) -> str:
        base = stage.base
        for name, value in self.args.items():
            base = base.replace("${" + name + "}", value).replace("$" + name, value)
        return base


def parse(path: Path) -> Dockerfile:
    logical: list[str] = []
    pending = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue  # a comment inside a continued instruction
        if line.endswith("\\"):
            pending += line[:-1].strip() + " "
            continue
        logical.append(pending + line)
        pending = ""
    args: dict[str, str] = {}
    stages: list[Stage] = []
    for line in logical:
        name, _, rest = line.partition(" ")
        name = name.upper()
        if name == "FROM":
            words = rest.split()
            stages.append(Stage(words[0], words[2] if len(words) > 2 and words[1].upper() == "AS" else None))
        elif name == "ARG" and not stages:
            key, _, value = rest.partition("=")
            args[key.strip()] = value.strip()
        elif stages:
            stages[-1].instructions.append((name, rest.strip()))
    return Dockerfile(args, stages)


def exec_form(args: str) -> list[str]:
    """The JSON array of an exec-form ENTRYPOINT/CMD/HEALTHCHECK CMD (ValueError when in shell form)."""
    value = json.loads(args)
    if not isinstance(value, list):
        raise ValueError(f"not an exec form: {args}")
    return [str(item) for item in value]
