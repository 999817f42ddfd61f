"""File tools cannot change what a later run executes or reads as its definition: by default they work in
the run's own directory, and even a workspace set to the workflow's folder refuses code, the workflow's
own files, links out of it and aixgo's data directory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tests.engine.engine_helpers import Harness, tool_call
from tests.react.react_helpers import QUESTION

from aixgo_cli.engine.runner import RunParams
from aixgo_cli.testing.fake_client import ScriptedClient
from aixgo_cli.tools.base import Tool
from aixgo_cli.tools.files import WorkspaceError
from aixgo_cli.tools.sources import WorkflowTools, run_tool_context

WORKFLOW = """\
version: 1
name: files
tools:
  - {{name: write_file, type: write_file{workspace}}}
  - {{name: read_file, type: read_file{workspace}}}
  - {{name: helper, type: python, callable: "{module}:helper"}}
agents:
  - name: data
    role: producer
    producer_config: {{source: file, file: data/items.txt}}
  - name: w
    role: react
    model: fake/w
    inputs: [data]
    prompt: Write.
    tools: [write_file, read_file, helper]
    react_config: {{tool_protocol: native}}
"""
HELPER = '''\
def helper() -> str:
    """Help."""
    return "ok"
'''


def tools_in(h: Harness, workspace: str | None) -> tuple[dict[str, Tool], str]:
    module = h.tool_module(HELPER)
    (h.root / "data").mkdir()
    (h.root / "data" / "items.txt").write_text("one\n", encoding="utf-8")
    h.write(WORKFLOW.format(module=module, workspace=f", workspace: {workspace}" if workspace else ""))
    workflow = h.load()
    context = run_tool_context(workflow, lambda name: "", h.root / "run-space")
    return WorkflowTools(workflow, context).tools_for(workflow.agents["w"]), module


def write(tools: dict[str, Tool], path: str, content: str = "pwned") -> str:
    return str(tools["write_file"].run({"path": path, "content": content}, "key"))


REFUSED_IN_THE_WORKFLOW_FOLDER = [
    "{module}.py",  # the tool module the next run imports
    "{module}.PY",
    "sitecustomize.py",
    "pkg/__init__.py",
    "__pycache__/{module}.cpython-311.pyc",
    "evil.pth",
    "native.so",
    "workflow.yaml",
    "other.yml",
    "workflow.cassette.jsonl",
    "data/items.txt",  # what the producer reads
    "./sub/../workflow.yaml",
]


@pytest.mark.parametrize("target", REFUSED_IN_THE_WORKFLOW_FOLDER)
def test_a_workspace_set_to_the_workflow_folder_refuses_its_code_and_definition(mem: Harness, target: str) -> None:
    tools, module = tools_in(mem, '"."')
    path = target.format(module=module)
    before = (mem.root / path).read_bytes() if (mem.root / path).exists() else None

    with pytest.raises(WorkspaceError):
        write(tools, path)

    after = (mem.root / path).read_bytes() if (mem.root / path).exists() else None
    assert after == before


def test_a_workspace_set_to_the_workflow_folder_still_takes_ordinary_files(mem: Harness) -> None:
    tools, _ = tools_in(mem, '"."')
    assert write(tools, "out/report.txt", "fine") == "wrote 4 bytes to out/report.txt"
    assert (mem.root / "out" / "report.txt").read_text(encoding="utf-8") == "fine"
    assert tools["read_file"].run({"path": "out/report.txt"}, "k") == "fine"


@pytest.mark.parametrize("workspace", [None, '"."', '"sub"'])
def test_leaving_the_workspace_by_dotdot_or_absolute_path_is_refused(mem: Harness, workspace: str | None) -> None:
    tools, _ = tools_in(mem, workspace)
    for path in ["../escape.txt", "../../escape.txt", "a/../../escape.txt", f"{mem.root.parent}/escape.txt"]:
        with pytest.raises(WorkspaceError):
            write(tools, path)
    assert not (mem.root / "escape.txt").exists() and not (mem.root.parent / "escape.txt").exists()


def test_symlinks_and_hard_links_out_of_the_workspace_are_refused(mem: Harness, tmp_path: Path) -> None:
    tools, module = tools_in(mem, None)
    space = mem.root / "run-space"
    space.mkdir()
    outside = tmp_path / "outside.txt"
    outside.write_text("keep", encoding="utf-8")
    (space / "link.txt").symlink_to(outside)
    (space / "linked_dir").symlink_to(mem.root)
    os.link(outside, space / "hard.txt")

    for path in ["link.txt", "linked_dir/notes.txt", f"linked_dir/{module}.py", "hard.txt"]:
        with pytest.raises(WorkspaceError):
            write(tools, path)
    assert outside.read_text(encoding="utf-8") == "keep"
    assert not (mem.root / "notes.txt").exists()


def test_the_default_workspace_is_the_runs_own_directory(mem: Harness) -> None:
    _, module = tools_in(mem, None)
    client = ScriptedClient(
        [
            tool_call("write_file", {"path": f"{module}.py", "content": "def helper():\n    return 'owned'\n"}),
            tool_call("write_file", {"path": "notes.txt", "content": "hello"}, call_id="c2"),
            "Done.",
        ]
    )

    outcome = mem.start(client, RunParams(input=QUESTION))

    assert outcome.status == "completed", outcome.error
    space = mem.root / "workspaces" / outcome.run_id
    assert (space / "notes.txt").read_text(encoding="utf-8") == "hello"
    assert (mem.root / f"{module}.py").read_text(encoding="utf-8") == HELPER  # the real module is untouched
    assert not (mem.root / "notes.txt").exists()


def test_aixgos_data_directory_is_refused_outside_the_run_workspaces(
    mem: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIXGO_HOME", str(mem.root / "home"))
    (mem.root / "home").mkdir()
    (mem.root / "home" / "runs.db").write_bytes(b"journal")
    tools, _ = tools_in(mem, '"home"')

    with pytest.raises(WorkspaceError):
        write(tools, "runs.db")
    assert (mem.root / "home" / "runs.db").read_bytes() == b"journal"
    assert write(tools, "workspaces/r1/ok.txt", "ok").startswith("wrote")
