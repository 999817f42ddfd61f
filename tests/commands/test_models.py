"""`aixgo models`: the offline price map, searched, as a table or JSON lines, without importing litellm."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from tests.commands.conftest import RunCli

from aixgo_cli.providers.pricing import price_map_path


def raw_entry(name: str) -> dict[str, object]:
    path = price_map_path()
    assert path is not None
    entry: dict[str, object] = json.loads(path.read_text())[name]
    return entry


def test_table_row_matches_the_price_map(aixgo: RunCli) -> None:
    result = aixgo("models", "openai/gpt-4o-mini", "--provider", "openai")
    assert result.code == 0
    header, *rows = result.out.splitlines()
    assert header.split() == ["MODEL", "PROVIDER", "CONTEXT", "IN", "$/1M", "OUT", "$/1M", "TOOLS", "JSON"]
    row = next(r.split() for r in rows if r.split()[0] == "openai/gpt-4o-mini")
    entry = raw_entry("gpt-4o-mini")
    assert row[1] == "openai"
    assert row[2] == f"{entry['max_input_tokens']:,}"
    assert float(row[3]) == pytest.approx(float(entry["input_cost_per_token"]) * 1e6)  # type: ignore[arg-type]
    assert row[5:] == ["yes", "yes"]
    assert all(r.split()[1] == "openai" for r in rows)


def test_json_lines_and_multi_word_search(aixgo: RunCli) -> None:
    result = aixgo("models", "claude", "haiku", "--json")
    lines = [json.loads(line) for line in result.out.splitlines()]
    assert lines and all("claude" in m["model"] and "haiku" in m["model"] for m in lines)
    first = lines[0]
    assert set(first) == {
        "model",
        "provider",
        "mode",
        "context_window",
        "max_output_tokens",
        "input_usd_per_million",
        "output_usd_per_million",
        "tools",
        "structured_output",
    }
    assert any(m["model"].startswith("anthropic/") for m in lines)


def test_no_match_says_so(aixgo: RunCli) -> None:
    result = aixgo("models", "no-such-model-anywhere")
    assert result.code == 0 and result.out == "" and "no model matches" in result.err


@pytest.mark.slow
def test_models_never_imports_litellm() -> None:
    code = (
        "import sys\nfrom aixgo_cli.cli import main\n"
        "assert main(['models', 'gpt-4o-mini', '--json']) == 0\n"
        "assert 'litellm' not in sys.modules, 'litellm was imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert '"model": "openai/gpt-4o-mini"' in done.stdout
