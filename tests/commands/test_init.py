"""`aixgo init`: every template validates; files are never overwritten without --force."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.commands.conftest import RunCli

from aixgo_cli.cli.init_cmd import TEMPLATES_DIR, available
from aixgo_cli.config.validate import validate_bytes

TEMPLATES = sorted(available())


def test_the_templates_the_issue_asks_for_exist() -> None:
    assert {"chat", "pipeline", "react-with-tools", "router", "rag"} <= set(TEMPLATES)


@pytest.mark.parametrize("name", TEMPLATES)
def test_each_template_validates_without_warnings_and_is_commented(aixgo: RunCli, name: str) -> None:
    result = aixgo("init", name)
    assert result.code == 0
    report = validate_bytes(result.out.encode(), f"{name}.yaml")
    assert report.issues == [], [i.message for i in report.issues]
    comments = [line for line in result.out.splitlines() if line.lstrip().startswith("#") or " # " in line]
    assert len(comments) >= 3
    assert result.out == (TEMPLATES_DIR / f"{name}.yaml").read_text()


def test_list_write_and_no_silent_overwrite(aixgo: RunCli, tmp_path: Path) -> None:
    listed = aixgo("init", "--list")
    assert [line.split()[0] for line in listed.out.splitlines()] == TEMPLATES
    target = tmp_path / "wf.yaml"
    assert aixgo("init", "router", "-o", str(target)).code == 0
    assert "name: router" in target.read_text()
    target.write_text("mine\n")
    refused = aixgo("init", "chat", "-o", str(target))
    assert refused.code == 2 and "already exists" in refused.err and target.read_text() == "mine\n"
    assert aixgo("init", "chat", "-o", str(target), "--force").code == 0
    assert "name: chat" in target.read_text()
    default = aixgo("init")
    assert "name: chat" in default.out


def test_unknown_template_suggests_the_close_one(aixgo: RunCli) -> None:
    result = aixgo("init", "piepline")
    assert result.code == 2 and "did you mean 'pipeline'?" in result.err
