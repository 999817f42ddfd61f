"""Role name -> its `Role`. An unknown or not-yet-available role names the valid ones."""

from __future__ import annotations

from types import MappingProxyType, ModuleType

from aixgo_cli.agents.aggregator import aggregate
from aixgo_cli.agents.aggregator import config as aggregator_config
from aixgo_cli.agents.base import Agent
from aixgo_cli.agents.classifier import classify
from aixgo_cli.agents.classifier import config as classifier_config
from aixgo_cli.agents.logger import log_item
from aixgo_cli.agents.planner import config as planner_config
from aixgo_cli.agents.planner import plan
from aixgo_cli.agents.producer import produce
from aixgo_cli.agents.react import react
from aixgo_cli.agents.role import Role
from aixgo_cli.errors import UserError


def _model_role(name: str, run: Agent, config: ModuleType, config_type: type) -> Role:
    """A role that calls a model, with the sampling defaults its config module documents."""
    defaults = {"temperature": config.DEFAULT_TEMPERATURE, "max_tokens": config.DEFAULT_MAX_TOKENS}
    return Role(name, run, needs_model=True, model_defaults=MappingProxyType(defaults), config_type=config_type)


ROLES: dict[str, Role] = {
    "producer": Role("producer", produce, needs_model=False, lane="source"),
    "react": Role("react", react, needs_model=True, uses_tools=True, keeps_session=True, screens_own_input=True),
    "aggregator": _model_role("aggregator", aggregate, aggregator_config, aggregator_config.AggregatorConfig),
    "logger": Role("logger", log_item, needs_model=False, lane="sink"),
    "classifier": _model_role("classifier", classify, classifier_config, classifier_config.ClassifierConfig),
    "planner": _model_role("planner", plan, planner_config, planner_config.PlannerConfig),
}


def role_for(name: str) -> Role:
    try:
        return ROLES[name]
    except KeyError:
        raise UserError(
            f"role '{name}' cannot run in this version of aixgo",
            hint=f"roles available to run: {', '.join(sorted(ROLES))}",
        ) from None


def calls_model(role_name: str) -> bool:
    """Whether an agent of this role calls a model (an unknown role is refused elsewhere; assume it does)."""
    role = ROLES.get(role_name)
    return role is None or role.needs_model
