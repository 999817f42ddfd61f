"""Role name -> its `Role`. An unknown or not-yet-available role names the valid ones.

Each role is built by a function that imports its agent module, so a run imports only the roles its
workflow uses (start-up budget); adding a role is one module and one line in `ROLES`.
"""

from __future__ import annotations

from types import MappingProxyType, ModuleType

from aixgo_cli.agents.base import Agent
from aixgo_cli.agents.role import Role
from aixgo_cli.errors import UserError
from aixgo_cli.lazy_registry import LazyRegistry


def _model_role(name: str, run: Agent, config: ModuleType, config_type: type) -> Role:
    """A role that calls a model, with the sampling defaults its config module documents."""
    defaults = {"temperature": config.DEFAULT_TEMPERATURE, "max_tokens": config.DEFAULT_MAX_TOKENS}
    return Role(name, run, needs_model=True, model_defaults=MappingProxyType(defaults), config_type=config_type)


def _producer() -> Role:
    from aixgo_cli.agents.producer import produce

    return Role("producer", produce, needs_model=False, lane="source")


def _react() -> Role:
    from aixgo_cli.agents.react import react

    return Role("react", react, needs_model=True, uses_tools=True, keeps_session=True, screens_own_input=True)


def _aggregator() -> Role:
    from aixgo_cli.agents.aggregator import aggregate, config

    return _model_role("aggregator", aggregate, config, config.AggregatorConfig)


def _logger() -> Role:
    from aixgo_cli.agents.logger import log_item

    return Role("logger", log_item, needs_model=False, lane="sink")


def _classifier() -> Role:
    from aixgo_cli.agents.classifier import classify, config

    return _model_role("classifier", classify, config, config.ClassifierConfig)


def _planner() -> Role:
    from aixgo_cli.agents.planner import config, plan

    return _model_role("planner", plan, config, config.PlannerConfig)


ROLES: LazyRegistry[Role] = LazyRegistry(
    {
        "producer": _producer,
        "react": _react,
        "aggregator": _aggregator,
        "logger": _logger,
        "classifier": _classifier,
        "planner": _planner,
    }
)


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
