"""`aixgo secrets set / list / rm` in a child process, through keyring's real backend selection.

The child runs `secrets_cli_runner.py`, which maps aixgo errors to exit codes like the top-level CLI.
A planted secret must never appear in what `list` prints, and `set` must refuse a value given on the
command line without echoing it.
"""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

PLANTED = "sk-planted-secret-9Q7"
RUNNER = Path(__file__).with_name("secrets_cli_runner.py")
FAIL_BACKEND = "keyring.backends.fail.Keyring"

EnvFactory = Callable[..., dict[str, str]]


def run(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(RUNNER), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=60,
    )


def stored(tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "keyring.json"
    if not path.exists():
        return {}
    data: dict[str, dict[str, str]] = json.loads(path.read_text())
    return data.get("aixgo", {})


def test_set_reads_stdin_and_list_never_shows_the_value(tmp_path: Path, child_env: EnvFactory) -> None:
    env = child_env()
    result = run(env, "set", "OPENAI_API_KEY", stdin=PLANTED + "\n")
    assert result.returncode == 0, result.stderr
    assert stored(tmp_path)["OPENAI_API_KEY"] == PLANTED  # exactly one trailing newline stripped
    assert result.stdout == ""
    assert PLANTED not in result.stderr
    assert "Stored OPENAI_API_KEY" in result.stderr

    listing = run(env, "list")
    assert listing.returncode == 0, listing.stderr
    assert listing.stdout.splitlines() == ["NAME            SOURCE", "OPENAI_API_KEY  keyring"]
    as_json = run(env, "list", "--json")
    assert as_json.returncode == 0, as_json.stderr
    payload = json.loads(as_json.stdout)
    assert payload["secrets"] == [{"name": "OPENAI_API_KEY", "source": "keyring", "in_env": False, "in_keyring": True}]
    assert payload["keyring"] == {"backend": "file_keyring.JsonFileKeyring", "available": True, "reason": None}
    for out in (listing, as_json):
        assert PLANTED not in out.stdout + out.stderr


def test_only_one_trailing_newline_is_stripped(tmp_path: Path, child_env: EnvFactory) -> None:
    assert run(child_env(), "set", "MULTI_LINE", stdin="line1\nline2\n\n").returncode == 0
    assert stored(tmp_path)["MULTI_LINE"] == "line1\nline2\n"
    assert run(child_env(), "set", "CRLF_KEY", stdin="value-crlf\r\n").returncode == 0
    assert stored(tmp_path)["CRLF_KEY"] == "value-crlf"


def test_list_shows_env_winning_over_keyring(tmp_path: Path, child_env: EnvFactory) -> None:
    assert run(child_env(), "set", "XAI_API_KEY", stdin=PLANTED).returncode == 0
    env = child_env(XAI_API_KEY="env-supplied-value", GEMINI_API_KEY="another-env-value")
    listing = run(env, "list", "--json")
    rows = {row["name"]: row for row in json.loads(listing.stdout)["secrets"]}
    assert rows["XAI_API_KEY"] == {"name": "XAI_API_KEY", "source": "env", "in_env": True, "in_keyring": True}
    assert rows["GEMINI_API_KEY"]["source"] == "env"
    text = run(env, "list")
    assert "XAI_API_KEY     env (keyring entry unused)" in text.stdout
    for out in (listing, text):
        assert PLANTED not in out.stdout + out.stderr
        assert "env-supplied-value" not in out.stdout + out.stderr


def test_set_warns_when_env_will_shadow_the_keyring(child_env: EnvFactory) -> None:
    result = run(child_env(HF_TOKEN="from-the-env"), "set", "HF_TOKEN", stdin="hf-keyring-value")
    assert result.returncode == 0
    assert "takes precedence" in result.stderr


def test_rm_removes_and_a_second_rm_fails(tmp_path: Path, child_env: EnvFactory) -> None:
    env = child_env()
    assert run(env, "set", "TEMP_KEY", stdin=PLANTED).returncode == 0
    removed = run(env, "rm", "TEMP_KEY")
    assert removed.returncode == 0, removed.stderr
    assert "TEMP_KEY" not in stored(tmp_path)
    assert json.loads(stored(tmp_path)["__index__"]) == []
    assert "TEMP_KEY" not in run(env, "list").stdout
    again = run(env, "rm", "TEMP_KEY")
    assert again.returncode == 2
    assert "no secret named TEMP_KEY" in again.stderr
    assert "aixgo secrets list" in again.stderr


@pytest.mark.parametrize(
    "extra",
    [[PLANTED], ["--value", PLANTED], [f"--value={PLANTED}"], ["-v", PLANTED]],
)
def test_set_refuses_a_value_on_the_command_line(tmp_path: Path, child_env: EnvFactory, extra: list[str]) -> None:
    result = run(child_env(), "set", "OPENAI_API_KEY", *extra, stdin="would-be-ignored")
    assert result.returncode == 2
    assert PLANTED not in result.stdout + result.stderr
    assert "never accepted as arguments" in result.stderr
    assert stored(tmp_path) == {}


def test_set_refuses_empty_stdin(tmp_path: Path, child_env: EnvFactory) -> None:
    for stdin in ("", "\n"):
        result = run(child_env(), "set", "EMPTY_KEY", stdin=stdin)
        assert result.returncode == 2
        assert "refusing to store an empty secret" in result.stderr
    assert stored(tmp_path) == {}


def test_invalid_name_is_refused_without_echoing_it(tmp_path: Path, child_env: EnvFactory) -> None:
    result = run(child_env(), "set", "plain-looking-secret-value", stdin="x-value")
    assert result.returncode == 2
    assert "plain-looking-secret-value" not in result.stdout + result.stderr
    assert stored(tmp_path) == {}


def test_without_a_keyring_set_fails_with_exit_3_and_explains(tmp_path: Path, child_env: EnvFactory) -> None:
    result = run(child_env(backend=FAIL_BACKEND), "set", "OPENAI_API_KEY", stdin=PLANTED)
    assert result.returncode == 3
    assert "no usable keyring backend" in result.stderr
    assert "export OPENAI_API_KEY=..." in result.stderr
    assert "PYTHON_KEYRING_BACKEND" in result.stderr
    assert "Secret Service" in result.stderr
    assert PLANTED not in result.stdout + result.stderr
    assert not (tmp_path / "keyring.json").exists()


def test_without_a_keyring_list_still_shows_env_secrets(child_env: EnvFactory) -> None:
    env = child_env(backend=FAIL_BACKEND, OPENAI_API_KEY=PLANTED)
    result = run(env, "list")
    assert result.returncode == 0
    assert result.stdout.splitlines() == ["NAME            SOURCE", "OPENAI_API_KEY  env"]
    assert "keyring is unavailable" in result.stderr
    assert PLANTED not in result.stdout + result.stderr
    payload = json.loads(run(env, "list", "--json").stdout)
    assert payload["keyring"]["available"] is False
    assert payload["keyring"]["backend"] == FAIL_BACKEND


def test_a_backend_that_cannot_be_loaded_is_reported_not_crashed(child_env: EnvFactory) -> None:
    env = child_env(backend="no_such_module.Keyring")
    listing = run(env, "list", "--json")
    assert listing.returncode == 0, listing.stderr
    assert "No module named 'no_such_module'" in json.loads(listing.stdout)["keyring"]["reason"]
    assert run(env, "set", "SOME_KEY", stdin="v-value").returncode == 3


def test_set_prompts_with_hidden_input_on_a_terminal(tmp_path: Path, child_env: EnvFactory) -> None:
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, str(RUNNER), "set", "TTY_KEY"],
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=child_env(),
        start_new_session=True,  # no controlling terminal: getpass falls back to the pty on stdin
    )
    os.close(slave)
    try:
        assert proc.stderr is not None
        seen = b""
        # Wait for the whole prompt, trailing space included: getpass writes that space only after it has
        # turned echo off with TCSAFLUSH, which discards anything typed earlier.
        while not seen.endswith(b"Value for TTY_KEY: "):
            ready, _, _ = select.select([proc.stderr], [], [], 30)  # guards against a hang, not timing
            assert ready, f"no prompt; stderr so far: {seen!r}"
            chunk = os.read(proc.stderr.fileno(), 1024)
            assert chunk, f"process ended without prompting: {seen!r}"
            seen += chunk
        os.write(master, (PLANTED + "\n").encode())
        stdout, stderr = proc.communicate(timeout=60)
        echoed = b""
        while select.select([master], [], [], 0)[0]:
            try:
                data = os.read(master, 1024)
            except OSError:
                break
            if not data:
                break
            echoed += data
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    assert proc.returncode == 0, stderr
    assert stored(tmp_path)["TTY_KEY"] == PLANTED
    assert PLANTED.encode() not in seen + stdout + stderr + echoed  # hidden: not echoed back by the tty


def test_importing_the_cli_module_does_not_import_keyring(child_env: EnvFactory) -> None:
    code = (
        "import sys, aixgo_cli.cli.secrets_cmd, aixgo_cli.secrets, aixgo_cli.secrets.chain; "
        "print(sorted(m for m in sys.modules if m == 'keyring' or m.startswith('keyring.')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=child_env(), check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"
