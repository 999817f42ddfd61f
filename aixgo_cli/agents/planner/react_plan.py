"""react_planning: an analysis call, then a Thought/Action/Observation transcript parsed into steps.

The first call is structured: the plan's frame (analysis, success criteria, risks, backup plans,
duration), which a free-text transcript would not give reliably. The second asks for the transcript in
the format `transcript` parses, with the analysis's key challenges and success criteria in view. A
transcript that breaks the format is sent back with every problem listed, up to
`structured_output.max_retries` more times (default 2); then the step fails, resumably.
"""

from __future__ import annotations

from typing import Any

from aixgo_cli.agents.planner.calls import Planning
from aixgo_cli.agents.planner.config import PlannerConfig
from aixgo_cli.agents.planner.prompts import DETAIL, PLANNER_SYSTEM, REACT_SYSTEM, examples, frame_rules, system
from aixgo_cli.agents.planner.schemas import frame_schema
from aixgo_cli.agents.planner.structure import Draft, frame_of, step_of
from aixgo_cli.agents.planner.transcript import parse_transcript
from aixgo_cli.errors import RunError, resume_step
from aixgo_cli.providers.types import ChatMessage


def react_planning(planning: Planning) -> Draft:
    config = planning.config
    analysis_request = f"Analyse this problem before it is planned:\n\n{planning.problem}\n\n{frame_rules('Give')}"
    frame = frame_of(
        planning.structured(
            [system(PLANNER_SYSTEM, planning.context), ChatMessage(role="user", content=analysis_request)],
            frame_schema(),
            what="analysis",
        )
    )
    messages = [
        system(REACT_SYSTEM, planning.context),
        ChatMessage(role="user", content=transcript_request(planning.problem, frame, config)),
    ]
    problems: list[str] = []
    for _ in range(planning.attempts):
        text = planning.text(messages)
        steps, problems = parse_transcript(text, config.max_steps)
        if not problems:
            return Draft(frame, [step_of(s, n, config) for n, s in enumerate(steps, 1)])
        listed = "\n".join(f"- {p}" for p in problems[:10])
        messages.append(ChatMessage(role="assistant", content=text))
        messages.append(
            ChatMessage(
                role="user",
                content=f"Your transcript does not follow the format:\n{listed}\n"
                "Write the whole transcript again in the required format.",
            )
        )
    raise RunError(
        f"the model's planning transcript was still malformed after {planning.attempts} attempts: "
        + "; ".join(problems[:5]),
        hint="raise structured_output.max_retries or choose a stronger model; then:",
        next_step=resume_step(),
    )


def transcript_request(problem: str, frame: dict[str, Any], config: PlannerConfig) -> str:
    analysis = frame["analysis"]
    known = "\n".join(
        [
            "Key challenges: " + "; ".join(analysis["key_challenges"]),
            "Constraints: " + "; ".join(analysis["constraints"]),
            "Success criteria: " + "; ".join(frame["success_criteria"]),
        ]
    )
    alternative = (
        "Alternative: <another way to take this step> | <its trade-offs>   (one to three of these)\n"
        if config.alternatives
        else ""
    )
    parallel = (
        "List in Requires only the actions a step truly needs, so independent actions can run at the same time."
        if config.parallel
        else "The actions will be carried out one after another; still list what each one really requires."
    )
    return (
        f"Problem:\n{problem}\n\nFrom the analysis:\n{known}\n\n"
        f"Plan it as a ReAct transcript: write this block once per step, at most {config.max_steps} times.\n\n"
        "Thought: <your reasoning about the current state and what to do next>\n"
        "Action: <one concrete step>\n"
        "Requires: <the numbers of the earlier actions this one needs, like 1, 2; or none>\n"
        "Complexity: <low, medium or high>\n"
        "Confidence: <0 to 1: how likely the action achieves its observation>\n"
        f"{alternative}"
        "Observation: <the result you expect once the action is done>\n\n"
        "Actions are numbered by their order (the first Action is 1). After the last block, write one line "
        f"'Final: <how you will know the problem is solved>'.\n{DETAIL[config.detail]}\n{parallel}" + examples(config)
    )
