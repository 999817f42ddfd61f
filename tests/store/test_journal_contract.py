"""The journal contract (aixgo_cli.testing.journal_contract), run against SqliteJournal and MemoryJournal
through the `store` fixture of tests/store/conftest.py."""

from __future__ import annotations

from aixgo_cli.testing.journal_contract.result_items import *  # noqa: F403
from aixgo_cli.testing.journal_contract.runs import *  # noqa: F403
from aixgo_cli.testing.journal_contract.texts import *  # noqa: F403
from aixgo_cli.testing.journal_contract.units import *  # noqa: F403
from aixgo_cli.testing.journal_contract.whole_run import *  # noqa: F403
