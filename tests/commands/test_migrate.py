"""`aixgo migrate`: each known difference between a Go aixgo config and format v1, on Go-style files.

The files in go_configs/ are written for these tests in the shapes the Go project's example configs use;
each test checks the rewritten file loads back as a valid (or precisely invalid) v1 workflow.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml
from tests.commands.conftest import RunCli

from aixgo_cli.config.migrate import workflow_name_for

GO = Path(__file__).parent / "go_configs"


def migrated(aixgo: RunCli, tmp_path: Path, name: str) -> tuple[int, dict[str, Any], str]:
    out = tmp_path / "new.yaml"
    result = aixgo("migrate", str(GO / name), "-o", str(out))
    return result.code, yaml.safe_load(out.read_text()), result.err


def test_supervisor_agents_and_session_become_a_valid_workflow(aixgo: RunCli, tmp_path: Path) -> None:
    code, data, err = migrated(aixgo, tmp_path, "supervisor-and-agents.yaml")
    assert code == 0, err
    assert data["version"] == 1 and data["name"] == "supervisor-and-agents"
    assert data["supervisor"] == {"name": "director", "model": "gpt-4-turbo", "max_rounds": 5}
    assert "orchestration" not in data  # the agents are connected: their edges already give the order
    checkpoint = {"auto_save": False, "interval": "5m"}
    assert data["session"] == {"enabled": True, "store": "journal", "checkpoint": checkpoint}
    analyst = data["agents"][1]
    assert analyst["role"] == "react" and "type" not in analyst
    assert analyst["model"] == "openai/custom-model"
    assert analyst["parameters"] == {"temperature": 0.3, "max_tokens": 400}
    assert "session_mode" not in analyst and analyst["inputs"] == [{"source": "source"}]
    assert "listen" not in data["agents"][2]
    # Every change is reported at its line in the original, as validate reports problems.
    assert "supervisor-and-agents.yaml:5:3: dropped[go-key]: supervisor.pattern 'sequential' dropped" in err
    assert "supervisor-and-agents.yaml:21:5: changed[type-to-role]: agent 'analyst': `type: react`" in err
    assert ":35:5: dropped[go-key]: agent 'sink': `listen` dropped" in err
    assert "new.yaml is a valid workflow" in err
    # The new file keeps the original's leading comment and says where it came from.
    text = (tmp_path / "new.yaml").read_text()
    assert text.startswith("# A Go aixgo config in the shape of its config/agents.yaml.\n# Rewritten from")


def test_role_blocks_services_and_models_are_mapped(aixgo: RunCli, tmp_path: Path) -> None:
    code, data, err = migrated(aixgo, tmp_path, "role-blocks.yaml")
    assert code == 0, err
    service = data["model_services"][0]
    assert "transport" not in service
    assert service["config"] == {"quantization": "int4", "token_secret": "HF_TOKEN"}
    merge, plan, writer, notes, vertex = data["agents"]
    assert merge["aggregator_config"]["conflict_resolution"] == "llm"
    assert plan["planner_config"]["step_detail_level"] == "detailed"
    assert writer["model"] == "openai/text-bison@002"  # Go's DetectProvider sent unknown names to OpenAI
    assert "tools" not in notes  # Go gave tools to react agents only
    assert vertex["model"] == "vertex_ai/gemini-pro" and "provider" not in vertex
    assert "HUGGINGFACE_API_KEY is HF_TOKEN here" in err
    assert "'llm_arbitration' is 'llm' here" in err


def test_what_cannot_be_decided_is_reported_and_no_secret_is_repeated(aixgo: RunCli, tmp_path: Path) -> None:
    code, data, err = migrated(aixgo, tmp_path, "unresolved.yaml")
    assert code == 2
    assert "vectorstore" not in data
    assert "unresolved.yaml:1:1: dropped[go-key]: `vectorstore` dropped: Go aixgo's vector-store settings" in err
    assert "unresolved[go-feature]: MCP server 'weather-tools': transport 'local'" in err
    assert "unresolved[go-role]: agent 'indexer': role 'indexer' does not exist" in err
    assert "unresolved[secret-in-file]" in err
    # References to agents that do not exist are reported, not invented.
    assert "'user-requests' in inputs, but no agent or flow has that name" in err
    assert [a["name"] for a in data["agents"]] == ["indexer", "assistant"]
    assert "still has" in err
    text = (tmp_path / "new.yaml").read_text()
    assert "sk-live" not in text and "sk-live" not in err
    assert data["mcp_servers"][1]["auth"] == {"type": "bearer"}


def test_a_file_without_agents_is_not_a_workflow_and_nothing_is_written(aixgo: RunCli, tmp_path: Path) -> None:
    out = tmp_path / "new.yaml"
    result = aixgo("migrate", str(GO / "server-security.yaml"), "-o", str(out))
    assert result.code == 2
    assert "not a Go aixgo workflow config" in result.err
    assert "security settings of Go aixgo's HTTP server" in result.err
    assert not out.exists()


def test_stdout_by_default_in_place_and_no_silent_overwrite(aixgo: RunCli, tmp_path: Path) -> None:
    source = tmp_path / "agents.yaml"
    shutil.copy(GO / "supervisor-and-agents.yaml", source)
    to_stdout = aixgo("migrate", str(source))
    assert to_stdout.code == 0 and "version: 1" in to_stdout.out and "<stdout> is a valid workflow" in to_stdout.err
    existing = tmp_path / "taken.yaml"
    existing.write_text("keep me\n")
    refused = aixgo("migrate", str(source), "-o", str(existing))
    assert refused.code == 2 and "already exists" in refused.err and existing.read_text() == "keep me\n"
    both = aixgo("migrate", str(source), "-o", str(existing), "--in-place")
    assert both.code == 2 and "exclude each other" in both.err
    in_place = aixgo("migrate", str(source), "--in-place")
    assert in_place.code == 0
    assert aixgo("validate", str(source)).code == 0
    again = aixgo("migrate", str(source))
    assert again.code == 2 and "already has `version:`" in again.err


def test_unconnected_agents_with_a_member_pattern_get_an_orchestration_block(aixgo: RunCli, tmp_path: Path) -> None:
    source = tmp_path / "parallel.yaml"
    source.write_text(
        "supervisor:\n  pattern: parallel\nagents:\n"
        "  - {name: one, role: react, model: gpt-4, prompt: a}\n"
        "  - {name: two, role: react, model: gpt-4, prompt: b}\n"
    )
    result = aixgo("migrate", str(source))
    assert result.code == 0, result.err
    data = yaml.safe_load(result.out)
    assert data["orchestration"] == {"pattern": "parallel", "agents": ["one", "two"]}
    assert "supervisor" not in data


def test_validate_names_a_go_config_and_points_go_keys_the_right_way(aixgo: RunCli) -> None:
    result = aixgo("validate", str(GO / "unresolved.yaml"))
    assert result.code == 2
    assert "warning[go-config]: this looks like a Go aixgo config" in result.err
    assert f"hint: rewrite it with: aixgo migrate {GO / 'unresolved.yaml'}" in result.err
    assert "did you mean 'store' under `session:`" not in result.err
    assert "did you mean 'tools'" not in result.err
    assert "`tls` is the TLS switch of a Go aixgo gRPC MCP server" in result.err
    assert "`vectorstore` is Go aixgo's vector-store settings" in result.err


def test_workflow_names_come_from_the_file_or_its_folder() -> None:
    assert workflow_name_for("examples/rag-agent/config.yaml") == "rag-agent"
    assert workflow_name_for("examples/rag-agent/config-openai.yaml") == "config-openai"
    assert workflow_name_for("config/agents.yaml") == "agents"
    assert workflow_name_for("2024 plan.yaml") == "workflow-2024-plan"


def test_an_edge_spelled_on_one_side_gets_the_other_side_with_a_note(aixgo: RunCli, tmp_path: Path) -> None:
    go = tmp_path / "edges.yaml"
    go.write_text(
        "agents:\n"
        "  - {name: a, role: producer, outputs: [{target: b}]}\n"
        "  - {name: b, role: react, model: gpt-4o, inputs: [{source: x}], outputs: [{target: c}]}\n"
        "  - {name: c, role: logger, inputs: [{source: b}, {source: a}]}\n"
        "  - {name: x, role: producer, outputs: [{target: c}]}\n",
        encoding="utf-8",
    )
    out = tmp_path / "new.yaml"
    result = aixgo("migrate", str(go), "-o", str(out))
    data = yaml.safe_load(out.read_text())
    agents = {agent["name"]: agent for agent in data["agents"]}
    assert agents["b"]["inputs"] == [{"source": "x"}, {"source": "a"}]  # a sends to b: b reads from a
    assert agents["a"]["outputs"] == [{"target": "b"}, {"target": "c"}]  # c reads from a: a sends to c
    assert agents["x"]["outputs"] == [{"target": "c"}, {"target": "b"}]  # b reads from x
    assert "agent 'b': added 'a' to its inputs, which sends to it" in result.err
    assert "agent 'a': added 'c' to its outputs, which that agent reads from" in result.err
