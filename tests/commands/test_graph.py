"""`aixgo graph`: Mermaid, DOT and tree output, nested flows as subgraphs, and colours from a run."""

from __future__ import annotations

from pathlib import Path

from tests.commands.conftest import RunCli
from tests.commands.journal_seed import Step, seed_run

REPO = Path(__file__).resolve().parents[2]
FANOUT = str(REPO / "workflows" / "research-fanout.yaml")
TRIAGE = str(REPO / "workflows" / "support-triage.yaml")
PANEL = str(REPO / "workflows" / "expert-panel.yaml")


def test_mermaid_draws_nested_flows_as_subgraphs(aixgo: RunCli) -> None:
    result = aixgo("graph", FANOUT)
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == "flowchart TD"
    outer = lines.index('  subgraph orchestration["orchestration: sequential"]')
    inner = lines.index('    subgraph orchestration_experts["experts: parallel"]')
    assert outer < inner
    assert '      orchestration_experts__economist["economist (react, openai/gpt-4o-mini)"]' in lines
    assert "  orchestration_experts__skeptic --> orchestration__synthesis" in lines
    assert result.out.count("end\n") == 2


def test_dot_and_tree_show_routes_with_their_labels(aixgo: RunCli) -> None:
    dot = aixgo("graph", TRIAGE, "--format", "dot")
    assert dot.code == 0
    assert dot.out.startswith('digraph "support-triage" {')
    assert "subgraph cluster_orchestration {" in dot.out
    assert 'orchestration__ticket_classifier -> orchestration__billing_agent [label="billing"];' in dot.out
    tree = aixgo("graph", TRIAGE, "-f", "tree")
    assert tree.out.splitlines()[1] == "└── orchestration: router"
    assert "classifier: ticket-classifier (classifier, openai/gpt-4o-mini) → billing-agent [billing]" in tree.out


def test_agent_graph_without_orchestration(aixgo: RunCli) -> None:
    result = aixgo("graph", PANEL, "-f", "tree")
    assert result.code == 0
    assert "├── architect (react, openai/gpt-4o-mini) → panel" in result.out
    assert "subgraph" not in aixgo("graph", PANEL).out


def test_run_statuses_colour_the_nodes(aixgo: RunCli, tmp_path: Path) -> None:
    db = tmp_path / "journal.db"
    steps = [
        Step("item/0:experts/0:economist", output="yes"),
        Step("item/0:experts/1:engineer", error="429 after retries"),
        Step("item/0:experts/2:skeptic", finished=False),
    ]
    run_id = seed_run(db, "research-fanout", steps, status="failed")
    tree = aixgo("graph", FANOUT, "-f", "tree", "--run", run_id[:12], "--db", str(db))
    assert tree.code == 0, tree.err
    assert "[completed] economist" in tree.out
    assert "[failed] engineer" in tree.out
    assert "[running] skeptic" in tree.out
    assert "[not run] synthesis" in tree.out
    mermaid = aixgo("graph", FANOUT, "--run", run_id, "--db", str(db)).out
    assert "  class orchestration_experts__engineer st_failed" in mermaid
    assert "  classDef st_failed fill:#ffcdd2,color:#b71c1c" in mermaid
    dot = aixgo("graph", FANOUT, "-f", "dot", "--run", run_id, "--db", str(db)).out
    assert 'fillcolor="#c8e6c9"' in dot


def test_bad_input_is_a_clear_error(aixgo: RunCli, tmp_path: Path) -> None:
    missing = aixgo("graph", str(tmp_path / "nope.yaml"))
    assert missing.code == 2 and "no such file" in missing.err
    unknown_run = aixgo("graph", FANOUT, "--run", "zzz", "--db", str(tmp_path / "j.db"))
    assert unknown_run.code == 2 and "Traceback" not in unknown_run.err
    bad_format = aixgo("graph", FANOUT, "--format", "png")
    assert bad_format.code == 2
