"""The planner's instructions to the model, in one place so they can be read (and reviewed) together.

Every request is a function of the problem and the configuration only, never of the clock or of chance
that is not seeded from the input: a resumed run must send the very same requests so that the journal
can replay them. The agent's own `prompt` (rendered as a template) is added to the system message as
context; `step_detail_level`, `include_alternatives`, `parallelizable_steps` and `example_plans` shape
the requirements every step-writing request states.
"""

from __future__ import annotations

from aixgo_cli.agents.planner.config import PlannerConfig
from aixgo_cli.providers.types import ChatMessage

PLANNER_SYSTEM = (
    "You are an expert planner. You break problems down into concrete, executable steps, state what each "
    "step depends on, and assess risks honestly. You never invent facts about the problem: where something "
    "is unknown, you state it as an assumption."
)
REACT_SYSTEM = (
    "You are a ReAct planner. You plan by alternating Thought (reasoning about the current state), Action "
    "(one concrete step to take) and Observation (the result you expect the step to produce)."
)
BACKWARD_SYSTEM = (
    "You are a backward-chaining planner. You start from the desired end state and work backwards: for "
    "each state you name what must be true immediately before it, and the action that makes it true."
)
CRITIC_SYSTEM = "You are a critical planning analyst. You find weaknesses in plans and say how to fix them."
JUDGE_SYSTEM = "You are a strict, impartial judge of plans. You score each plan on its own merits."

DETAIL = {
    "brief": "Keep every field short: an action of a few words, one short sentence of reasoning and outcome.",
    "normal": "Give each step a clear action, one or two sentences of reasoning and a concrete expected outcome.",
    "detailed": (
        "Give each step a precise action, explain the reasoning fully (why this step, why now), and make the "
        "expected outcome specific and checkable."
    ),
}

# Distinct directions for tree_of_thought branches and monte_carlo rollouts; a branch or rollout is only
# worth its call if it explores something the others do not.
EMPHASES = (
    "the simplest plan that could work: as few steps and as little effort as possible",
    "robustness: anticipate what can fail and build in checks and fallbacks",
    "speed: finish as early as possible by doing independent work at the same time",
    "an unconventional approach that a first attempt would overlook",
    "the least risk and cost, even if it takes longer",
    "long-term quality: maintainability, scalability and what happens after the plan is done",
)


def emphasis(index: int) -> str:
    """The direction of branch `index` (0-based); past the list, variants of it."""
    base = EMPHASES[index % len(EMPHASES)]
    rounds = index // len(EMPHASES)
    return base if rounds == 0 else f"{base} (variant {rounds + 1}: differ from the earlier variants)"


def system(text: str, context: str | None) -> ChatMessage:
    if context:
        text += "\n\nContext for this planning task:\n" + context.strip()
    return ChatMessage(role="system", content=text)


def step_rules(config: PlannerConfig, limit: int) -> str:
    """What every request that writes steps asks of them."""
    rules = [
        f"- At most {limit} steps, numbered 1, 2, 3... in order (step_number).",
        "- prerequisites: the numbers of the earlier steps that must be finished before this step can start "
        "([] when none). A step may depend only on earlier steps.",
        "- complexity: low, medium or high. confidence: 0 to 1, how likely the step achieves its expected outcome.",
        "- " + DETAIL[config.detail],
    ]
    if config.parallel:
        rules.append(
            "- List only the prerequisites a step truly needs, so that independent steps can run at the same time."
        )
    else:
        rules.append("- The steps will be carried out one after another; still list each step's real prerequisites.")
    if config.alternatives:
        rules.append("- alternatives: one to three other ways to do the step, each with its reasoning and trade-offs.")
    return "\n".join(rules)


def frame_rules(lead: str = "Also give") -> str:
    return (
        f"{lead}: an analysis of the problem (type, domain, constraints, available resources, key "
        "challenges, assumptions); success criteria; a risk assessment (overall risk, risk factors with "
        "severity, likelihood 0-1 and impact, mitigation steps); backup plans for the likeliest failures "
        "(trigger condition, description, alternative steps); and an estimate of the duration."
    )


def examples(config: PlannerConfig) -> str:
    if not config.examples:
        return ""
    parts = ["\n\nExample plans (they show the shape of a good plan, not what to plan):"]
    for number, example in enumerate(config.examples, 1):
        lines = [f"\nExample {number}. Problem: {example.problem}"]
        lines += [f"  {i}. {step}" for i, step in enumerate(example.steps, 1)]
        if example.explanation:
            lines.append(f"  Why it works: {example.explanation}")
        parts.append("\n".join(lines))
    return "\n".join(parts)


def plan_request(problem: str, config: PlannerConfig, *, direction: str | None = None) -> str:
    """Ask for a whole plan (chain_of_thought, tree_of_thought branches, monte_carlo rollouts)."""
    text = (
        f"Make a plan for this problem:\n\n{problem}\n\n"
        "Reason about it step by step, and put that reasoning into the analysis and each step's reasoning.\n\n"
        f"Requirements for the steps:\n{step_rules(config, config.max_steps)}\n\n{frame_rules()}"
    )
    if direction:
        text += f"\n\nFor this plan, emphasise {direction}."
    return text + examples(config)
