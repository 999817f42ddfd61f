"""Snapshot tests over a corpus of broken workflows: what `aixgo validate` says about each one.

Every file in tests/corpus/invalid/ is a realistic mistake with a leading comment naming it. Its
`.expected` file is the exact text the CLI prints (NO_COLOR, paths relative to the repository root), so
a change in wording, position or hint shows up in review as a diff of what users will read. Files in
tests/corpus/warnings/ are valid but draw warnings.

The CLI runs in-process (`aixgo_cli.cli.main`), which costs milliseconds per file, not a subprocess.
Set AIXGO_UPDATE_SNAPSHOTS=1 to rewrite the snapshots, then read the diff before committing it.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from aixgo_cli.cli import main
from aixgo_cli.config.validate import validate_path
from aixgo_cli.schema.yaml_loader import MAX_FILE_BYTES

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "tests" / "corpus"
INVALID = sorted((CORPUS / "invalid").glob("*.yaml"))
WARNINGS = sorted((CORPUS / "warnings").glob("*.yaml"))
UPDATE = os.environ.get("AIXGO_UPDATE_SNAPSHOTS") == "1"
# The one file that cannot say what is wrong with it in a comment: a comment would make it non-empty.
NO_COMMENT = {"65-empty.yaml"}


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["validate", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(autouse=True)
def _plain_output(monkeypatch: pytest.MonkeyPatch) -> None:
    """Snapshots hold plain text and repo-relative paths, whatever the terminal and working directory."""
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.chdir(REPO)


def _check_snapshot(path: Path, text: str) -> None:
    expected = path.with_suffix(".expected")
    if UPDATE:
        expected.write_text(text, encoding="utf-8")
        return
    assert expected.exists(), f"no snapshot for {path.name}; run with AIXGO_UPDATE_SNAPSHOTS=1"
    assert text == expected.read_text(encoding="utf-8")


def _check_positions(path: Path, err: str) -> None:
    report = validate_path(path, str(path.relative_to(REPO)))
    assert report.issues, f"{path.name} reports nothing"
    for issue in report.issues:
        assert issue.line >= 1, issue
        assert issue.column >= 1, issue
        assert f"{issue.file}:{issue.line}:{issue.column}: {issue.severity}[{issue.code}]" in err


def test_corpus_is_big_enough() -> None:
    assert len(INVALID) >= 45
    assert WARNINGS


@pytest.mark.parametrize("path", INVALID, ids=[p.stem for p in INVALID])
def test_invalid_workflow_matches_snapshot(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rel = str(path.relative_to(REPO))
    code, out, err = _run(capsys, rel)
    assert code == 2
    assert out == ""  # text diagnostics go to stderr; stdout is for results only
    assert "Traceback" not in err
    assert "internal error" not in err
    assert re.search(r"^\d+ errors?, \d+ warnings? in 1 file$", err, re.MULTILINE)
    _check_positions(path, err)
    _check_snapshot(path, err)


@pytest.mark.parametrize("path", WARNINGS, ids=[p.stem for p in WARNINGS])
def test_warning_workflow_matches_snapshot(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rel = str(path.relative_to(REPO))
    code, _, err = _run(capsys, rel)
    assert code == 0
    assert "warning[" in err
    assert "error[" not in err
    assert f"{rel}: valid" in err
    _check_positions(path, err)
    _check_snapshot(path, err)


def test_every_corpus_file_says_what_is_wrong() -> None:
    for path in [*INVALID, *WARNINGS]:
        if path.name in NO_COMMENT:
            assert path.read_bytes() == b""
            continue
        assert path.read_bytes().startswith(b"# "), f"{path.name} needs a leading comment"


def test_no_orphan_snapshots() -> None:
    for expected in CORPUS.glob("*/*.expected"):
        assert expected.with_suffix(".yaml").exists(), f"{expected.name} has no workflow"


def test_every_issue_code_is_kebab_case(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "--format", "json", *(str(p.relative_to(REPO)) for p in INVALID))
    assert code == 2
    payload = json.loads(out)
    assert len(payload["files"]) == len(INVALID)
    for entry in payload["files"]:
        assert not entry["valid"], entry["file"]
        for issue in entry["issues"]:
            assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", issue["code"]), issue


def test_huge_file_is_refused_by_size_without_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    huge = tmp_path / "huge.yaml"
    with huge.open("wb") as handle:  # sparse: 50 MB on paper, nothing on disk
        handle.write(b"version: 1\n")
        handle.truncate(50 * 1024 * 1024)
    assert huge.stat().st_size > MAX_FILE_BYTES

    def refuse_to_read(self: Path) -> bytes:
        raise AssertionError(f"{self} was read although its size alone rules it out")

    monkeypatch.setattr(Path, "read_bytes", refuse_to_read)
    code, _, err = _run(capsys, str(huge))
    assert code == 2
    assert "error[file-too-large]" in err
    assert "50.0 MiB" in err
    assert "Traceback" not in err
    report = validate_path(huge)
    assert [issue.code for issue in report.issues] == ["file-too-large"]
