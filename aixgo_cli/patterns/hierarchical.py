"""hierarchical: a manager splits the task among teams, the teams' workers do their part, the manager
combines their results.

1. The manager gets the input and is asked for JSON `{"assignments": {"<team>": "<task>"}}` (a bare
   `{"<team>": "<task>"}` is read the same way). Teams it leaves out do not run.
2. Each assigned team's workers get the team's task, all at once; a team's result is its workers'
   answers (`Worker X:` sections joined by `---`).
3. The manager gets the original task and every team's result and writes the answer.

Edge cases: an assignment to a team that does not exist, or a manager reply with no assignment at all,
fails the step (exit 1) naming the teams. A failing worker fails the step after the others finish.
Nesting is bounded by `max_depth` (default 3): a hierarchical flow inside a team counts one level.

Result: `{"output": the manager's synthesis, "assignments": {team: task}, "team_results": {team:
{worker: output}}}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from aixgo_cli.patterns.base import Call, Flow, Members, PatternDef, first_error, member_place, step_failed
from aixgo_cli.patterns.reading import json_of, match_name, text_of


@dataclass(frozen=True)
class HierarchicalConfig:
    manager: str
    teams: Mapping[str, tuple[str, ...]]
    max_depth: int = 3

    @classmethod
    def read(cls, raw: Mapping[str, Any]) -> HierarchicalConfig:
        teams = {team: tuple(workers) for team, workers in dict(raw["teams"]).items()}
        return cls(str(raw["manager"]), MappingProxyType(teams), int(raw.get("max_depth", 3)))


def assignments_of(answer: Any) -> dict[str, str] | None:
    data = json_of(answer)
    if not isinstance(data, Mapping):
        return None
    inner = data.get("assignments", data.get("team_assignments", data))
    if not isinstance(inner, Mapping):
        return None
    found: dict[str, str] = {}
    for team, task in inner.items():
        if isinstance(task, Mapping):
            task = task.get("task", task.get("payload", ""))
        found[str(team)] = text_of(task)
    return found or None


def run_hierarchical(
    flow: Flow[HierarchicalConfig], payload: Any, place: str, members: Members, seen: Mapping[str, Any]
) -> Any:
    config = flow.config
    teams = "\n".join(
        f"- {team}: " + "; ".join(f"{w} ({members.describe(w)})" for w in workers)
        for team, workers in config.teams.items()
    )
    plan = members.run(
        config.manager,
        payload,
        member_place(place, "assign", config.manager),
        seen,
        instructions=(
            "You manage these teams:\n" + teams + "\nSplit the task among the teams that are needed. Reply with "
            'JSON only: {"assignments": {"<team>": "<what that team must do>"}}.'
        ),
    )
    written = assignments_of(plan)
    if not written:
        raise step_failed(
            flow,
            f"the manager '{config.manager}' assigned no team: {text_of(plan)[:200]!r}",
            f"make the manager answer with JSON assignments to the teams {', '.join(config.teams)}",
        )
    assignments: dict[str, str] = {}
    for name, task in written.items():
        team = match_name(name, config.teams)
        if team is None:
            raise step_failed(
                flow,
                f"the manager assigned work to '{name}', which is not a team (teams: {', '.join(config.teams)})",
                "name the teams in the manager's prompt, or add the team to config.teams",
            )
        assignments[team] = task
    ordered = [team for team in config.teams if team in assignments]
    calls = [
        Call(worker, assignments[team], member_place(place, f"team.{team}.{i}", worker))
        for team in ordered
        for i, worker in enumerate(config.teams[team])
    ]
    outcomes = members.run_many(calls, len(calls), seen, fail_fast=False)
    if not all(o.ok for o in outcomes):
        raise first_error(outcomes)
    results: dict[str, dict[str, Any]] = {team: {} for team in ordered}
    owners = [team for team in ordered for _ in config.teams[team]]
    for team, outcome in zip(owners, outcomes, strict=True):
        results[team][outcome.member] = outcome.value
    report = "\n\n".join(
        f"Team {team} (task: {assignments[team]}):\n"
        + "\n\n---\n\n".join(f"Worker {w}:\n{text_of(v)}" for w, v in results[team].items())
        for team in ordered
    )
    output = members.run(
        config.manager,
        f"Original task:\n{text_of(payload)}\n\nTeam results:\n\n{report}",
        member_place(place, "synthesize", config.manager),
        seen,
        instructions="Combine the team results into the final answer to the original task.",
    )
    return {"output": output, "assignments": assignments, "team_results": results}


HIERARCHICAL = PatternDef(HierarchicalConfig.read, run_hierarchical)
