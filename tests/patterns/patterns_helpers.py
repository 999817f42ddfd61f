"""Pattern workflows against the stub model server, through real LiteLLM over real HTTP.

Every agent gets a model service of its own whose model is the agent's name, so the stub's per-model
request counts say exactly which members ran and how often. Every prompt starts with `[name]` and
contains the input, so a stub rule `^\\[name\\]` answers one member whatever the order of requests.
"""

from __future__ import annotations

import textwrap
from typing import Any

from tests.engine.engine_helpers import Harness
from tests.support.e2e import STUB_KEY

from aixgo_cli.engine.runner import RunOutcome, RunParams
from aixgo_cli.providers.protocol import LLMClient
from aixgo_cli.providers.stack import build_client
from aixgo_cli.testing.stub_model_server import StubModelServer


def services(stub: StubModelServer, names: list[str]) -> str:
    body = "".join(
        f"  - name: svc-{n}\n    provider: openai_compatible\n    model: {n}\n    api_base: {stub.base_url}\n"
        f"    api_key_secret: STUB_API_KEY\n    retry: {{max_attempts: 1}}\n"
        for n in names
    )
    return "model_services:\n" + body


def react(name: str, extra: str = "") -> str:
    text = f'  - name: {name}\n    role: react\n    model: svc-{name}\n    prompt: "[{name}] {{{{ input }}}}"\n'
    return text + textwrap.indent(textwrap.dedent(extra), "    ") if extra else text


def workflow(stub: StubModelServer, names: list[str], orchestration: str, *, agents: str = "", tail: str = "") -> str:
    """A workflow whose react agents are `names` (plus any `agents` YAML), run by `orchestration`."""
    listed = "".join(react(n) for n in names) + agents
    every = names + [line.split(":", 1)[1].strip() for line in agents.splitlines() if line.startswith("  - name:")]
    return (
        f"version: 1\nname: patterns\n{services(stub, every)}agents:\n{listed}"
        + "orchestration:\n"
        + textwrap.indent(textwrap.dedent(orchestration), "  ")
        + tail
    )


def rules(**replies: Any) -> list[dict[str, Any]]:
    """One stub rule per agent: `rules(a="yes")` answers every request whose prompt starts with [a]."""
    return [{"match": rf"^\[{name.replace('_', '-')}\]", "reply": reply} for name, reply in replies.items()]


def client(harness: Harness) -> LLMClient:
    return build_client(lambda name: STUB_KEY, harness.load().model_services.values())


def run(harness: Harness, text: str = "the task", **params: Any) -> RunOutcome:
    return harness.start(client(harness), RunParams(input=text, **params))


def counts(stub: StubModelServer) -> dict[str, int]:
    return dict(stub.stats()["by_model"])
