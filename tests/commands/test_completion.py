"""`aixgo completion`: the scripts, and the completions they ask for (commands, run ids, workflow files)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.commands.conftest import RunCli
from tests.commands.journal_seed import seed_run


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_the_script_calls_aixgo_back(aixgo: RunCli, shell: str) -> None:
    result = aixgo("completion", shell)
    assert result.code == 0
    assert f"_AIXGO_COMPLETE=complete_{shell}" in result.out
    assert "aixgo" in result.out


def bash_complete(aixgo: RunCli, monkeypatch: pytest.MonkeyPatch, line: str) -> list[str]:
    words = line.split(" ")
    monkeypatch.setenv("_AIXGO_COMPLETE", "complete_bash")
    monkeypatch.setenv("COMP_WORDS", line)
    monkeypatch.setenv("COMP_CWORD", str(len(words) - 1))
    result = aixgo()
    assert result.code == 0, result.err
    return result.out.splitlines()


def test_run_ids_complete_from_the_journal(aixgo: RunCli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    db = tmp_path / "home" / "runs.db"  # the conftest's AIXGO_HOME
    db.parent.mkdir(parents=True)
    first = seed_run(db, "alpha", [])
    second = seed_run(db, "beta", [], status="failed")
    assert sorted(bash_complete(aixgo, monkeypatch, "aixgo resume ")) == sorted([first, second])
    assert bash_complete(aixgo, monkeypatch, f"aixgo runs show {second[:-3]}") == [second]
    assert set(bash_complete(aixgo, monkeypatch, f"aixgo runs diff {first} ")) == {first, second}
    other = tmp_path / "other.db"
    third = seed_run(other, "gamma", [])
    assert bash_complete(aixgo, monkeypatch, f"aixgo runs rm --db {other} ") == [third]


def test_workflow_files_and_commands_complete(aixgo: RunCli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "triage.yaml").write_text("x")
    (tmp_path / "flows" / "notes.txt").write_text("x")
    (tmp_path / "flows" / "sub").mkdir()
    monkeypatch.chdir(tmp_path)
    assert bash_complete(aixgo, monkeypatch, "aixgo run flows/") == ["flows/sub/", "flows/triage.yaml"]
    assert bash_complete(aixgo, monkeypatch, "aixgo graph fl") == ["flows/"]
    assert "migrate" in bash_complete(aixgo, monkeypatch, "aixgo mi")


def test_run_ids_carry_their_workflow_and_status_as_help(
    aixgo: RunCli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    db = tmp_path / "home" / "runs.db"
    db.parent.mkdir(parents=True)
    run_id = seed_run(db, "alpha", [], status="failed")
    monkeypatch.setenv("_AIXGO_COMPLETE", "complete_zsh")
    monkeypatch.setenv("_TYPER_COMPLETE_ARGS", "aixgo resume ")
    result = aixgo()
    assert result.code == 0, result.err
    assert run_id in result.out and "alpha failed" in result.out
