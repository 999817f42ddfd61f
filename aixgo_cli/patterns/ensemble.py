"""ensemble: every member answers the same input at once; their answers are put to a vote.

Each answer is read as a label (`reading.label_of`: a JSON `answer`/`label`/`category`, else the first
line, lower-cased and undecorated), so `Block.` and `block` are one vote. Members that fail do not vote;
if none succeeds the step fails. `voting_strategy`:

* `majority` (default): one vote per member;
* `weighted`: each vote counts its member's `weights` entry (default 1);
* `confidence`: each vote counts the member's own `confidence` (a JSON field; 0.5 when absent);
* `unanimous`: every voting member must give the same label.

`agreement` is the winner's share of the counted weight. Below `agreement_threshold` (default 0.5) the
step fails (exit 1). A tie for first place fails the step too, naming the tied labels: the config has no
tie-breaker, and picking one by member order would hide the disagreement.

Result: `{"answer": the winning label, "output": the first winning member's answer, "agreement",
"votes": {member: label}, "tally": {label: weight}}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from aixgo_cli.patterns.base import Call, Flow, Members, PatternDef, first_error, member_place, step_failed
from aixgo_cli.patterns.reading import json_of, label_of


@dataclass(frozen=True)
class EnsembleConfig:
    strategy: str = "majority"
    threshold: float = 0.5
    weights: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def read(cls, raw: Mapping[str, Any]) -> EnsembleConfig:
        weights = {k: float(v) for k, v in dict(raw.get("weights") or {}).items()}
        return cls(
            str(raw.get("voting_strategy", "majority")),
            float(raw.get("agreement_threshold", 0.5)),
            MappingProxyType(weights),
        )


def _weight(config: EnsembleConfig, member: str, answer: Any) -> float:
    if config.strategy == "weighted":
        return config.weights.get(member, 1.0)
    if config.strategy == "confidence":
        data = json_of(answer)
        value = data.get("confidence") if isinstance(data, Mapping) else None
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.5
    return 1.0


def run_ensemble(
    flow: Flow[EnsembleConfig], payload: Any, place: str, members: Members, seen: Mapping[str, Any]
) -> Any:
    config = flow.config
    calls = [Call(m, payload, member_place(place, i, m)) for i, m in enumerate(flow.members)]
    outcomes = members.run_many(calls, len(calls), seen, fail_fast=False)
    voters = [o for o in outcomes if o.ok]
    if not voters:
        raise first_error(outcomes)
    votes = {o.member: label_of(o.value) for o in voters}
    tally: dict[str, float] = {}
    for outcome in voters:
        label = votes[outcome.member]
        tally[label] = tally.get(label, 0.0) + _weight(config, outcome.member, outcome.value)
    total = sum(tally.values())
    top = max(tally.values())
    leaders = [label for label, weight in tally.items() if weight == top]
    if len(leaders) > 1:
        raise step_failed(
            flow, f"the vote is tied between {', '.join(repr(x) for x in leaders)} ({_show(tally)})", _RETRY_HINT
        )
    winner = leaders[0]
    agreement = top / total if total else 0.0
    if config.strategy == "unanimous" and len(tally) > 1:
        raise step_failed(
            flow, f"the members do not agree ({_show(tally)}) and the vote must be unanimous", _RETRY_HINT
        )
    if agreement < config.threshold:
        raise step_failed(
            flow,
            f"'{winner}' won only {agreement:.0%} of the vote, below agreement_threshold {config.threshold:.0%} "
            f"({_show(tally)})",
            _RETRY_HINT,
        )
    output = next(o.value for o in voters if votes[o.member] == winner)
    return {"answer": winner, "output": output, "agreement": round(agreement, 4), "votes": votes, "tally": tally}


_RETRY_HINT = "lower config.agreement_threshold, change the members or their weights, or rephrase the input"


def _show(tally: Mapping[str, float]) -> str:
    return ", ".join(f"{label}: {weight:g}" for label, weight in tally.items())


ENSEMBLE = PatternDef(EnsembleConfig.read, run_ensemble)
