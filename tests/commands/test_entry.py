"""The process entry (`aixgo`, `python -m aixgo_cli`) leaves without the interpreter's teardown: its exit
code is main()'s, everything written is flushed (a pipe included), and atexit handlers still run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from aixgo_cli.cli import main


def run_module(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "aixgo_cli", *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def test_a_long_output_reaches_a_pipe_whole(tmp_path: Path) -> None:
    done = run_module("schema", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["$schema"]  # the whole document, not a truncated buffer


@pytest.mark.parametrize("args", [["validate", "missing.yaml"], ["runs", "show", "nope"], ["--version"]])
def test_the_exit_code_is_mains(tmp_path: Path, args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AIXGO_HOME", str(tmp_path / "home"))
    expected = main(args)
    done = run_module(*args, cwd=tmp_path)
    assert done.returncode == expected, done.stderr


def test_atexit_handlers_still_run(tmp_path: Path) -> None:
    marker = tmp_path / "atexit-ran"
    script = (
        "import atexit, pathlib, sys\n"
        f"atexit.register(pathlib.Path({str(marker)!r}).write_text, 'yes')\n"
        "sys.argv = ['aixgo', '--version']\n"
        "from aixgo_cli.cli import entry\n"
        "entry()\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() and marker.read_text() == "yes"
