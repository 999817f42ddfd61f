"""What a run has used, answered by SQL in the SQLite journal: no call row is read into Python.

A resume needs the spending of earlier invocations and the questions still waiting for an answer; both
are one query here, so resuming a long run does not deserialise every call it ever made.
"""

from __future__ import annotations

import json
import sqlite3

from aixgo_cli.store.records import (
    APPROVAL_SUFFIX,
    CallRecord,
    Spending,
    Totals,
    UsageNotes,
    spending_of,
    usage_notes_of,
)
from aixgo_cli.store.sqlite_db import Database

_NOTED_MODEL = (
    "json_group_array(DISTINCT CASE WHEN kind = 'llm' AND json_valid(response_json)"
    " AND json_extract(response_json, '$.usage.{flag}') = {value}"
    " THEN COALESCE(json_extract(request_json, '$.model'), '?') END)"
)
_SPENT = (
    "SELECT TOTAL(tokens_in), TOTAL(tokens_out), TOTAL(cost_usd), (SELECT COUNT(*) FROM units WHERE run = ?1), "
    + _NOTED_MODEL.format(flag="cost_known", value=0)
    + ", "
    + _NOTED_MODEL.format(flag="tokens_estimated", value=1)
    + " FROM calls WHERE run = ?1 AND status = 'completed'"
)


class SqliteUsage:
    _db: Database

    def _pk(self, run_id: str) -> int:
        raise NotImplementedError  # SqliteRuns provides it

    def list_calls(self, run_id: str, *, unit_key: str | None = None) -> list[CallRecord]:
        raise NotImplementedError  # SqliteJournal provides it

    def tally_units(self, run_id: str) -> Totals:
        row = self._db.query(
            "SELECT TOTAL(tokens_in), TOTAL(tokens_out), TOTAL(cost_usd), TOTAL(status = 'completed') "
            "FROM units WHERE run = ?",
            (self._pk(run_id),),
        )[0]
        return Totals(int(row[0]), int(row[1]), float(row[2]), int(row[3]))

    def usage_notes(self, run_id: str) -> UsageNotes:
        try:
            row = self._db.query(
                "SELECT TOTAL(json_extract(response_json, '$.usage.cost_known') = 0), "
                "TOTAL(json_extract(response_json, '$.usage.tokens_estimated') = 1) "
                "FROM calls WHERE run = ? AND kind = 'llm' AND status = 'completed' AND json_valid(response_json)",
                (self._pk(run_id),),
            )[0]
        except sqlite3.OperationalError:  # an SQLite built without its JSON functions: read the rows here
            notes = [usage_notes_of(c.response_json) for c in self.list_calls(run_id) if c.kind == "llm"]
            return UsageNotes(any(n.cost_unknown for n in notes), any(n.tokens_estimated for n in notes))
        return UsageNotes(cost_unknown=row[0] > 0, tokens_estimated=row[1] > 0)

    def spent(self, run_id: str) -> Spending:
        run = self._pk(run_id)
        try:
            row = self._db.query(_SPENT, (run,))[0]
        except sqlite3.OperationalError:  # an SQLite built without its JSON functions: read the rows here
            units = int(self._db.query("SELECT COUNT(*) FROM units WHERE run = ?", (run,))[0][0])
            return spending_of(self.list_calls(run_id), units)
        return Spending(int(row[0]), int(row[1]), float(row[2]), int(row[3]), _models(row[4]), _models(row[5]))

    def pending_answers(self, run_id: str) -> list[str]:
        rows = self._db.query(
            "SELECT call_key FROM calls WHERE run = ? AND status = 'intent' AND substr(call_key, -?) = ?"
            " ORDER BY rowid",
            (self._pk(run_id), len(APPROVAL_SUFFIX), APPROVAL_SUFFIX),
        )
        return [str(row[0]) for row in rows]


def _models(array_json: str) -> frozenset[str]:
    return frozenset(str(model) for model in json.loads(array_json) if model is not None)
