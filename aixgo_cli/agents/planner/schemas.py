"""The JSON Schemas the planner's model replies must match.

`max_steps` is enforced where the model writes steps (`maxItems`, and step numbers and prerequisites
bounded by it), so an over-long plan is refused with the validation errors fed back rather than cut.
Fields the planner computes itself (`can_parallelize`, `critical_path`, `parallel_groups`,
`total_complexity`, ...) are deliberately absent: the model is not asked for what it could get wrong.
Extra properties are tolerated and dropped, because models like to add fields and a retry for that
would waste a call.
"""

from __future__ import annotations

from typing import Any

from aixgo_cli.agents.planner.config import PlannerConfig

Schema = dict[str, Any]
LEVELS = ("low", "medium", "high")

_TEXT: Schema = {"type": "string"}
_TEXTS: Schema = {"type": "array", "items": {"type": "string"}}
_LEVEL: Schema = {"type": "string", "enum": list(LEVELS)}
_UNIT: Schema = {"type": "number", "minimum": 0, "maximum": 1}
_MARK: Schema = {"type": "number", "minimum": 0, "maximum": 10}


def obj(properties: Schema) -> Schema:
    """An object with every listed property required."""
    return {"type": "object", "properties": properties, "required": list(properties)}


def array(items: Schema, low: int = 0, high: int | None = None) -> Schema:
    schema: Schema = {"type": "array", "items": items}
    if low:
        schema["minItems"] = low
    if high is not None:
        schema["maxItems"] = high
    return schema


ANALYSIS = obj(
    {
        "problem_type": _TEXT,
        "domain": _TEXT,
        "constraints": _TEXTS,
        "available_resources": _TEXTS,
        "key_challenges": _TEXTS,
        "assumptions": _TEXTS,
    }
)
RISK = obj(
    {
        "overall_risk": _LEVEL,
        "risk_factors": array(obj({"factor": _TEXT, "severity": _LEVEL, "likelihood": _UNIT, "impact": _TEXT})),
        "mitigation_steps": _TEXTS,
    }
)
BACKUP = obj({"trigger_condition": _TEXT, "description": _TEXT, "alternative_steps": _TEXTS})
ALTERNATIVE = obj({"action": _TEXT, "reasoning": _TEXT, "trade_offs": _TEXT})
FRAME: Schema = {
    "analysis": ANALYSIS,
    "success_criteria": array(_TEXT, 1),
    "risk_assessment": RISK,
    "backup_plans": array(BACKUP),
    "estimated_duration": _TEXT,
}
FRAME_KEYS = tuple(FRAME)


def _with_alternatives(config: PlannerConfig, properties: Schema) -> Schema:
    if config.alternatives:
        properties["alternatives"] = array(ALTERNATIVE, 1, 3)
    return obj(properties)


def step_schema(config: PlannerConfig, limit: int) -> Schema:
    number: Schema = {"type": "integer", "minimum": 1, "maximum": limit}
    return _with_alternatives(
        config,
        {
            "step_number": number,
            "action": {"type": "string", "minLength": 1},
            "reasoning": _TEXT,
            "prerequisites": {**array(number), "uniqueItems": True},
            "expected_outcome": _TEXT,
            "complexity": _LEVEL,
            "confidence": _UNIT,
        },
    )


def plan_schema(config: PlannerConfig) -> Schema:
    """A whole plan: the frame (analysis, criteria, risks, backups, duration) and its steps."""
    return obj({**FRAME, "steps": array(step_schema(config, config.max_steps), 1, config.max_steps)})


def frame_schema() -> Schema:
    return obj(dict(FRAME))


def steps_schema(config: PlannerConfig, limit: int) -> Schema:
    """The sub-steps of one phase, numbered from 1 within the phase."""
    return obj({"steps": array(step_schema(config, limit), 1, limit)})


def phases_schema(config: PlannerConfig) -> Schema:
    number: Schema = {"type": "integer", "minimum": 1, "maximum": config.max_steps}
    phase = obj(
        {
            "phase_number": number,
            "name": _TEXT,
            "objective": {"type": "string", "minLength": 1},
            "depends_on": {**array(number), "uniqueItems": True},
            "complexity": _LEVEL,
            "confidence": _UNIT,
        }
    )
    return obj({**FRAME, "phases": array(phase, 1, config.max_steps)})


def goal_schema(config: PlannerConfig) -> Schema:
    final = _with_alternatives(
        config,
        {"action": {"type": "string", "minLength": 1}, "reasoning": _TEXT, "complexity": _LEVEL, "confidence": _UNIT},
    )
    return obj({**FRAME, "goal_state": {"type": "string", "minLength": 1}, "final_step": final})


def preconditions_schema(config: PlannerConfig, limit: int) -> Schema:
    item = _with_alternatives(
        config,
        {
            "condition": {"type": "string", "minLength": 1},
            "action": {"type": "string", "minLength": 1},
            "reasoning": _TEXT,
            "complexity": _LEVEL,
            "confidence": _UNIT,
            "primitive": {"type": "boolean"},
        },
    )
    return obj({"preconditions": array(item, 1, limit)})


def approaches_schema(limit: int) -> Schema:
    return obj({"approaches": array(obj({"name": {"type": "string", "minLength": 1}, "summary": _TEXT}), 1, limit)})


def scores_schema(count: int) -> Schema:
    number: Schema = {"type": "integer", "minimum": 1, "maximum": count}
    score = obj(
        {
            "candidate": number,
            "completeness": _MARK,
            "feasibility": _MARK,
            "efficiency": _MARK,
            "clarity": _MARK,
            "weakness": _TEXT,
        }
    )
    return obj({"scores": array(score, count, count)})
