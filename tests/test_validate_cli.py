"""The real `aixgo` process: exit codes, streams, output formats and import hygiene of `validate`.

Each test starts `python -m aixgo_cli` (about 0.1 s), so there are few of them and each checks several
things; the wording of every diagnostic is covered in-process by tests/test_invalid_corpus.py.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from aixgo_cli.errors import EXIT_CODE_MEANINGS

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "tests" / "corpus"
WARNINGS_FILE = "tests/corpus/warnings/01-unreachable-and-model-on-logger.yaml"
TYPO_FILE = "tests/corpus/invalid/02-agent-key-typo.yaml"
DUPLICATE_FILE = "tests/corpus/invalid/35-duplicate-agent-names.yaml"
ISSUE_FIELDS = {"file", "line", "column", "end_column", "severity", "code", "message", "hint", "path"}


def aixgo(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1"}
    env.pop("FORCE_COLOR", None)
    return subprocess.run(
        [sys.executable, "-m", "aixgo_cli", *args],
        cwd=REPO,
        env=env,
        input=stdin.decode("utf-8", errors="surrogateescape") if stdin is not None else None,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_valid_file_exits_0_and_warnings_only_fail_with_strict() -> None:
    relaxed = aixgo("validate", WARNINGS_FILE)
    assert relaxed.returncode == 0, relaxed.stderr
    assert "warning[unreachable]" in relaxed.stderr
    assert f"{WARNINGS_FILE}: valid" in relaxed.stderr
    assert relaxed.stdout == ""

    strict = aixgo("validate", "--strict", WARNINGS_FILE)
    assert strict.returncode == 2
    assert "warning[unreachable]" in strict.stderr
    assert f"{WARNINGS_FILE}: valid" not in strict.stderr


def test_several_files_report_every_problem_and_exit_2() -> None:
    result = aixgo("validate", WARNINGS_FILE, TYPO_FILE, DUPLICATE_FILE)
    assert result.returncode == 2
    err = result.stderr
    assert f"{TYPO_FILE}:8:5: error[unknown-key]: unknown key 'promt'" in err
    assert f"{DUPLICATE_FILE}:9:11: error[duplicate-name]" in err
    assert f"{WARNINGS_FILE}:18:11: warning[unreachable]" in err
    assert f"{WARNINGS_FILE}: valid" in err  # warnings alone do not make a file invalid
    assert err.rstrip().endswith("2 errors, 2 warnings in 3 files")


def test_json_format_is_valid_json_with_the_documented_fields() -> None:
    result = aixgo("validate", "--format", "json", WARNINGS_FILE, TYPO_FILE)
    assert result.returncode == 2
    assert result.stderr == ""  # machine formats keep stderr quiet
    payload = json.loads(result.stdout)
    assert payload["format_version"] == 1
    assert payload["valid"] is False
    files = {entry["file"]: entry for entry in payload["files"]}
    assert set(files) == {WARNINGS_FILE, TYPO_FILE}
    assert files[WARNINGS_FILE]["valid"] is True
    assert files[TYPO_FILE]["valid"] is False
    (issue,) = files[TYPO_FILE]["issues"]
    assert set(issue) == ISSUE_FIELDS
    assert issue == {
        "file": TYPO_FILE,
        "line": 8,
        "column": 5,
        "end_column": 10,
        "severity": "error",
        "code": "unknown-key",
        "message": "unknown key 'promt' in agent 'translator'",
        "hint": "did you mean 'prompt'?",
        "path": "$.agents[0].promt",
    }
    assert {i["severity"] for i in files[WARNINGS_FILE]["issues"]} == {"warning"}


def test_sarif_format_has_the_sarif_2_1_0_shape() -> None:
    result = aixgo("validate", "--format", "sarif", TYPO_FILE, WARNINGS_FILE)
    assert result.returncode == 2
    sarif = json.loads(result.stdout)
    assert sarif["version"] == "2.1.0"
    assert "sarif" in sarif["$schema"]
    run = sarif["runs"][0]
    assert run["tool"]["driver"]["name"] == "aixgo"
    rule_ids = {rule["id"] for rule in run["tool"]["driver"]["rules"]}
    results = run["results"]
    assert len(results) == 3
    for entry in results:
        assert entry["ruleId"] in rule_ids
        assert entry["level"] in {"error", "warning"}
        assert entry["message"]["text"]
        location = entry["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] in {TYPO_FILE, WARNINGS_FILE}
        assert location["region"]["startLine"] >= 1
        assert location["region"]["startColumn"] >= 1
    error = next(r for r in results if r["level"] == "error")
    assert error["ruleId"] == "unknown-key"
    assert error["locations"][0]["physicalLocation"]["region"]["startLine"] == 8


def test_stdin_and_missing_file() -> None:
    broken = (REPO / TYPO_FILE).read_bytes()
    result = aixgo("validate", "-", "no/such/workflow.yaml", stdin=broken)
    assert result.returncode == 2
    assert "<stdin>:8:5: error[unknown-key]: unknown key 'promt'" in result.stderr
    assert " 8 |     promt: Translate the input into French." in result.stderr  # the excerpt, from stdin
    assert "no/such/workflow.yaml:1:1: error[no-file]: cannot read the workflow: no such file" in result.stderr
    assert "Traceback" not in result.stderr

    valid = aixgo("validate", "-", stdin=(REPO / WARNINGS_FILE).read_bytes())
    assert valid.returncode == 0, valid.stderr
    # The summary line names stdin as `-` (what was typed) or `<stdin>` (what issues say); either reads well.
    assert re.search(r"^(<stdin>|-): valid$", valid.stderr, re.MULTILINE), valid.stderr


def test_no_corpus_file_produces_a_traceback() -> None:
    files = sorted(str(p.relative_to(REPO)) for p in CORPUS.glob("*/*.yaml"))
    result = aixgo("validate", *files)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "internal error" not in result.stderr
    for name in files:
        assert f"{name}:" in result.stderr, name
    assert result.stderr.rstrip().endswith(f"in {len(files)} files")


def test_billion_laughs_is_refused_as_too_complex() -> None:
    result = aixgo("validate", "--format", "json", "tests/corpus/invalid/61-billion-laughs.yaml")
    assert result.returncode == 2
    (entry,) = json.loads(result.stdout)["files"]
    assert [issue["code"] for issue in entry["issues"]] == ["yaml-too-complex"]
    assert "alias" in entry["issues"][0]["message"]


def test_help_lists_the_exit_codes() -> None:
    result = aixgo("--help")
    assert result.returncode == 0
    assert "Exit codes:" in result.stdout
    for code, (meaning, _) in EXIT_CODE_MEANINGS.items():
        assert f"{int(code):>3}  {meaning}" in result.stdout


def test_schema_command_prints_the_schema_file() -> None:
    result = aixgo("schema")
    assert result.returncode == 0
    printed = json.loads(result.stdout)
    assert printed == json.loads((REPO / "schemas" / "workflow.v1.json").read_text(encoding="utf-8"))
    assert printed["$schema"].startswith("https://json-schema.org/")


def test_validate_imports_neither_litellm_nor_keyring_nor_jinja2() -> None:
    probe = (
        "import contextlib, io, json, sys\n"
        "from aixgo_cli.cli import main\n"
        "with contextlib.redirect_stderr(io.StringIO()):\n"
        f"    code = main(['validate', {WARNINGS_FILE!r}, {TYPO_FILE!r}])\n"
        "heavy = ('litellm', 'keyring', 'jinja2')\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in heavy)\n"
        "print(json.dumps({'code': code, 'loaded': loaded, 'yaml': 'yaml' in sys.modules}))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1"}
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["code"] == 2  # validation really ran: the typo file is invalid
    assert report["yaml"] is True
    assert report["loaded"] == []
