"""Self-critique: one call to criticise the finished plan, one structured call to revise it.

The critique is plain text and is kept in the result as `self_critique`, so a reader can see what the
revision was answering. The revision is a whole plan, checked like any other (schema, `max_steps`,
prerequisites), and replaces the draft whatever strategy made it. An empty critique leaves nothing to
revise, so the revision call is skipped.
"""

from __future__ import annotations

from aixgo_cli.agents.planner.calls import Planning
from aixgo_cli.agents.planner.prompts import CRITIC_SYSTEM, PLANNER_SYSTEM, plan_request, system
from aixgo_cli.agents.planner.structure import Draft
from aixgo_cli.providers.types import ChatMessage


def critique_and_revise(planning: Planning, draft: Draft) -> tuple[Draft, str]:
    request = (
        f"Problem:\n{planning.problem}\n\nPlan:\n{draft.view()}\n\nCritically evaluate this plan:\n"
        "1. Completeness: does it solve the problem fully?\n"
        "2. Efficiency: are there redundant or unnecessary steps, or missed chances to work in parallel?\n"
        "3. Risks: what could go wrong that the plan ignores?\n"
        "4. Improvements: what exactly should change?\n"
        "Be concise and specific; refer to steps by number."
    )
    critique = planning.text([system(CRITIC_SYSTEM, planning.context), ChatMessage(role="user", content=request)])
    critique = critique.strip()
    if not critique:
        return draft, critique
    revision = plan_request(planning.problem, planning.config) + (
        f"\n\nA first draft of the plan:\n{draft.view()}\n\nA reviewer's critique of that draft:\n{critique}\n\n"
        "Write the revised plan: keep what is sound and fix what the critique rightly points out."
    )
    messages = [system(PLANNER_SYSTEM, planning.context), ChatMessage(role="user", content=revision)]
    return planning.plan(messages, what="revised plan"), critique
