"""`aixgo runs diff`, `runs prune` and `runs rm` past a bad id, on runs in a real SQLite journal."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

from tests.commands.conftest import RunCli
from tests.commands.journal_seed import Step, seed_run

DAY = 86400.0


def two_runs(db: Path) -> tuple[str, str]:
    a = seed_run(
        db,
        "fanout",
        [
            Step("item/0:a", output="yes", tokens_in=10, tokens_out=5, cost_usd=0.001, duration_ms=100),
            Step("item/0:b", output={"k": 1}, tokens_in=20, tokens_out=10, cost_usd=0.002, duration_ms=200),
            Step("item/0:old", output="gone later"),
        ],
    )
    b = seed_run(
        db,
        "fanout",
        [
            Step("item/0:a", output="yes", tokens_in=10, tokens_out=5, cost_usd=0.001, duration_ms=100),
            Step("item/0:b", output={"k": 2}, tokens_in=30, tokens_out=10, cost_usd=0.003, duration_ms=150),
            Step("item/0:new", error="boom", duration_ms=5),
        ],
        status="failed",
    )
    return a, b


def test_diff_table_shows_changes_per_step(aixgo: RunCli, tmp_path: Path) -> None:
    db = tmp_path / "j.db"
    a, b = two_runs(db)
    result = aixgo("runs", "diff", a, b, "--db", str(db))
    assert result.code == 0, result.err
    rows = {line.split()[0]: line for line in result.out.splitlines() if line.startswith(("item", "TOTAL"))}
    assert "completed -> completed  same" in rows["item/0:a"]
    assert "changed" in rows["item/0:b"]
    assert "30 -> 40 (+10)" in rows["item/0:b"]
    assert "$0.0020 -> $0.0030 (+$0.0010)" in rows["item/0:b"]
    assert "200ms -> 150ms (-50ms)" in rows["item/0:b"]
    assert "only in A" in rows["item/0:old"] and "completed -> -" in rows["item/0:old"]
    assert "only in B" in rows["item/0:new"] and "- -> failed" in rows["item/0:new"]
    assert "3 changed" in rows["TOTAL"]
    with_outputs = aixgo("runs", "diff", a, b, "--outputs", "--db", str(db)).out
    assert '-  "k": 1' in with_outputs and '+  "k": 2' in with_outputs


def test_diff_json(aixgo: RunCli, tmp_path: Path) -> None:
    db = tmp_path / "j.db"
    a, b = two_runs(db)
    payload = json.loads(aixgo("runs", "diff", a, b, "--json", "--db", str(db)).out)
    assert payload["a"]["run_id"] == a and payload["b"]["status"] == "failed"
    steps = {s["place"]: s for s in payload["steps"]}
    assert steps["item/0:b"]["output_a"] == {"k": 1} and steps["item/0:b"]["output_b"] == {"k": 2}
    assert payload["totals"]["tokens_a"] == 45 and payload["totals"]["tokens_b"] == 55
    missing = aixgo("runs", "diff", a, "nope", "--db", str(db))
    assert missing.code == 2 and "no run id starts with 'nope'" in missing.err


def test_prune_by_status_and_age_with_dry_run(aixgo: RunCli, tmp_path: Path) -> None:
    db = tmp_path / "j.db"
    now = time.time()
    old_failed = seed_run(db, "w", [], status="failed", created_at=now - 40 * DAY)
    new_failed = seed_run(db, "w", [], status="failed")
    old_done = seed_run(db, "w", [], status="completed", created_at=now - 40 * DAY)
    running = seed_run(db, "w", [], status="running", created_at=now - 40 * DAY)
    # seed_run's update_run stamps updated_at now; age the old ones for real through SQLite.
    with sqlite3.connect(db) as conn:
        for run_id in (old_failed, old_done, running):
            conn.execute("UPDATE runs SET updated_at = ? WHERE run_id = ?", (now - 40 * DAY, run_id))
    dry = aixgo("runs", "prune", "--older-than", "30d", "--dry-run", "--db", str(db))
    assert dry.code == 0
    assert sorted(line.split()[2] for line in dry.out.splitlines()) == sorted([old_failed, old_done])
    assert "would remove 2 of 4 runs" in dry.err
    done = aixgo("runs", "prune", "--status", "failed", "--older-than", "30d", "--db", str(db))
    assert done.code == 0 and old_failed in done.out
    left = {json.loads(line)["run_id"] for line in aixgo("runs", "list", "--json", "--db", str(db)).out.splitlines()}
    assert left == {new_failed, old_done, running}


def test_prune_refuses_without_a_filter_and_bad_values(aixgo: RunCli, tmp_path: Path) -> None:
    db = str(tmp_path / "j.db")
    assert "needs --status or --older-than" in aixgo("runs", "prune", "--db", db).err
    bad_age = aixgo("runs", "prune", "--older-than", "soon", "--db", db)
    assert bad_age.code == 2 and "30d" in bad_age.err
    assert aixgo("runs", "prune", "--status", "done", "--db", db).code == 2
    assert "never deletes running runs" in aixgo("runs", "prune", "--status", "running", "--db", db).err


def test_rm_continues_past_a_bad_id_and_fails_at_the_end(aixgo: RunCli, tmp_path: Path) -> None:
    db = tmp_path / "j.db"
    a, b = two_runs(db)
    result = aixgo("runs", "rm", a, "no-such-run", b, "--db", str(db))
    assert result.code == 2
    assert f"removed {a}" in result.err and f"removed {b}" in result.err
    assert "no-such-run: no run id starts with 'no-such-run'" in result.err
    assert aixgo("runs", "list", "--json", "--db", str(db)).out == ""
