"""router: one member (the classifier) names a route; the member registered for it handles the input.

The label is read from the classifier's answer (`reading.label_of`: a JSON `category`/`label`/`route`,
else the first line of its text) and matched to the route names without regard to case or decoration.
A label that matches no route goes to `default`; without a `default` the step fails (exit 1) naming the
label and the routes. The result is the handler's output, unchanged. The classifier's answer is a
journaled unit: a resumed run takes the same route without asking again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from aixgo_cli.patterns.base import Flow, Members, PatternDef, member_place, step_failed
from aixgo_cli.patterns.reading import label_of, match_name


@dataclass(frozen=True)
class RouterConfig:
    classifier: str
    routes: Mapping[str, str]
    default: str | None = None

    @classmethod
    def read(cls, raw: Mapping[str, Any]) -> RouterConfig:
        return cls(str(raw["classifier"]), MappingProxyType(dict(raw["routes"])), raw.get("default"))


def choose_route(flow: Flow[Any], label: str, routes: Mapping[str, str], default: str | None, why: str) -> str:
    route = match_name(label, routes) if label else None
    if route is not None:
        return routes[route]
    if default is not None:
        return default
    raise step_failed(
        flow,
        f"{why} '{label}' matches no route (routes: {', '.join(routes)}) and there is no default",
        "add the label to config.routes or set config.default",
    )


def run_router(flow: Flow[RouterConfig], payload: Any, place: str, members: Members, seen: Mapping[str, Any]) -> Any:
    config = flow.config
    # No instructions are added: the classifier may be a classifier agent with its own answer format,
    # and its prompt is where the labels belong.
    answer = members.run(config.classifier, payload, member_place(place, "classify", config.classifier), seen)
    handler = choose_route(flow, label_of(answer), config.routes, config.default, "the label")
    return members.run(handler, payload, member_place(place, "route", handler), {**seen, config.classifier: answer})


ROUTER = PatternDef(RouterConfig.read, run_router)
