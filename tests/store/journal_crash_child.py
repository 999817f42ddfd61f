"""Child process for test_sqlite_crash: drives units through the journal until it is SIGKILLed.

Usage: journal_crash_child.py DB RUN_ID. Walks u000000, u000001, ... using the journal as a memo (a
completed unit is skipped, as `aixgo resume` would), and for each new unit writes the whole step:
start, call intent, call result (unless a killed predecessor already recorded it), unit result with
two events. It prints the index after each unit
commits, so the parent knows what must have survived.
"""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path

from aixgo_cli.store.sqlite_journal import SqliteJournal


def main() -> None:
    journal = SqliteJournal(Path(sys.argv[1]))
    run_id = sys.argv[2]
    payload = "x" * 300
    for index in itertools.count():
        key = f"u{index:06d}"
        if journal.get_completed_unit(run_id, key) is not None:
            continue
        journal.start_unit(run_id, key, place=f"flow/{index}", input_hash="i", definition_hash="d")
        call = journal.get_call(run_id, f"{key}/llm/0")
        if call is None or call.status != "completed":  # a completed call is answered from the journal
            journal.record_call_intent(run_id, key, f"{key}/llm/0", "llm", json.dumps({"n": index}))
            journal.complete_call(run_id, f"{key}/llm/0", json.dumps({"text": payload}), tokens_in=index)
        events = [("step_started", json.dumps({"n": index})), ("step_finished", json.dumps({"n": index}))]
        journal.complete_unit(run_id, key, json.dumps({"n": index, "text": payload}), events=events)
        print(index, flush=True)


if __name__ == "__main__":
    main()
