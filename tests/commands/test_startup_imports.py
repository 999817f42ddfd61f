"""Start-up: a run imports only the patterns, roles and tool types its workflow uses."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from tests.support.e2e import make_cli, stub_service

from aixgo_cli.agents.registry import ROLES
from aixgo_cli.lazy_registry import LazyRegistry
from aixgo_cli.patterns.base import PatternDef
from aixgo_cli.patterns.registry import PATTERNS
from aixgo_cli.testing.stub_model_server import StubModelServer
from aixgo_cli.tools.toolbox import TOOL_TYPES

# Runs the CLI in a fresh interpreter, then lists the aixgo modules that run imported.
LIST_MODULES = (
    "import json, sys\n"
    "from aixgo_cli.cli import main\n"
    "code = main(sys.argv[2:])\n"
    "mods = sorted(m for m in sys.modules if m.startswith('aixgo_cli'))\n"
    "open(sys.argv[1], 'w').write(json.dumps({'code': code, 'modules': mods}))\n"
)


def test_a_lookup_imports_only_the_entry_asked_for() -> None:
    built: list[str] = []

    def entry(name: str) -> object:
        built.append(name)
        return name.upper()

    table: LazyRegistry[object] = LazyRegistry({"a": lambda: entry("a"), "b": lambda: entry("b")})
    assert "a" in table and "z" not in table and sorted(table) == ["a", "b"] and len(table) == 2
    assert built == []  # membership and listing build nothing
    assert table["a"] == "A" and table["a"] == "A"
    assert built == ["a"]  # built once, and only the one asked for
    assert table.get("z") is None
    with pytest.raises(KeyError):
        table["z"]


def test_a_module_path_entry_resolves_to_the_attribute() -> None:
    table: LazyRegistry[object] = LazyRegistry({"join": "os.path:join"})
    import os.path

    assert table["join"] is os.path.join


def test_every_registered_pattern_role_and_tool_type_loads() -> None:
    """A typo in a module path would otherwise surface only when a workflow uses that entry."""
    assert all(isinstance(PATTERNS[name], PatternDef) for name in PATTERNS)
    assert all(ROLES[name].name == name for name in ROLES)
    assert all(callable(TOOL_TYPES[name]) for name in TOOL_TYPES)


@pytest.mark.slow
def test_a_one_step_run_imports_no_unused_pattern_role_or_tool_type(tmp_path: Path, stub: StubModelServer) -> None:
    cli = make_cli(tmp_path)
    agents = "agents:\n  - {name: a, role: react, model: stub}\n"
    cli.write("one.yaml", f"version: 1\nname: one\n{stub_service(stub)}{agents}")
    listing = tmp_path / "modules.json"
    argv = [sys.executable, "-c", LIST_MODULES, str(listing), "run", "one.yaml", "--input", "hi"]
    done = subprocess.run(argv, cwd=cli.workdir, env=cli.env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    result = json.loads(listing.read_text())
    assert result["code"] == 0
    modules = set(result["modules"])
    assert "aixgo_cli.agents.react" in modules  # what the workflow uses is there
    unused = {
        "aixgo_cli.patterns.supervisor",
        "aixgo_cli.patterns.planning",
        "aixgo_cli.patterns.mapreduce",
        "aixgo_cli.agents.planner",
        "aixgo_cli.agents.aggregator",
        "aixgo_cli.agents.classifier",
        "aixgo_cli.tools.python_tool",
        "aixgo_cli.tools.http_tool",
        "aixgo_cli.knowledge.service",
    }
    assert modules.isdisjoint(unused), sorted(modules & unused)


def test_the_price_map_is_litellms_own_once_litellm_is_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    """A run reuses the table LiteLLM parsed from the same file, instead of parsing it again."""
    import json

    from aixgo_cli.providers import pricing
    from aixgo_cli.providers.litellm_client import load_litellm

    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    litellm = load_litellm()
    reused = pricing._litellm_local_map()
    path = pricing.price_map_path()
    assert reused is not None and path is not None
    parsed = json.loads(path.read_text(encoding="utf-8"))
    models = {k: v for k, v in parsed.items() if k != "sample_spec" and "litellm_provider" in v}
    assert {k: reused[k] for k in models} == models  # every model's prices, as in the file
    assert set(reused) <= set(parsed)
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "False")  # LiteLLM's table may then be a download
    assert pricing._litellm_local_map() is None
    assert litellm.model_cost  # unchanged
