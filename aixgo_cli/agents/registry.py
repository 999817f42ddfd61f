"""Role name -> its `Role`. An unknown or not-yet-available role names the valid ones."""

from __future__ import annotations

from types import MappingProxyType

from aixgo_cli.agents.aggregator import aggregate
from aixgo_cli.agents.aggregator import config as aggregator_config
from aixgo_cli.agents.classifier import classify
from aixgo_cli.agents.classifier import config as classifier_config
from aixgo_cli.agents.logger import log_item
from aixgo_cli.agents.planner import config as planner_config
from aixgo_cli.agents.planner import plan
from aixgo_cli.agents.producer import produce
from aixgo_cli.agents.react import react
from aixgo_cli.agents.role import Role
from aixgo_cli.errors import UserError


def _defaults(temperature: float, max_tokens: int) -> MappingProxyType[str, object]:
    return MappingProxyType({"temperature": temperature, "max_tokens": max_tokens})


ROLES: dict[str, Role] = {
    "producer": Role("producer", produce, needs_model=False, lane="source"),
    "react": Role("react", react, needs_model=True, uses_tools=True, keeps_session=True, screens_own_input=True),
    "aggregator": Role(
        "aggregator",
        aggregate,
        needs_model=True,
        model_defaults=_defaults(aggregator_config.DEFAULT_TEMPERATURE, aggregator_config.DEFAULT_MAX_TOKENS),
        config_type=aggregator_config.AggregatorConfig,
    ),
    "logger": Role("logger", log_item, needs_model=False, lane="sink"),
    "classifier": Role(
        "classifier",
        classify,
        needs_model=True,
        model_defaults=_defaults(classifier_config.DEFAULT_TEMPERATURE, classifier_config.DEFAULT_MAX_TOKENS),
        config_type=classifier_config.ClassifierConfig,
    ),
    "planner": Role(
        "planner",
        plan,
        needs_model=True,
        model_defaults=_defaults(planner_config.DEFAULT_TEMPERATURE, planner_config.DEFAULT_MAX_TOKENS),
        config_type=planner_config.PlannerConfig,
    ),
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
