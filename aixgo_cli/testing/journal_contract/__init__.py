"""The journal contract: the behaviour every store behind `aixgo_cli.store.protocol.Journal` must have.

A store proves itself by running this suite. In a pytest module, import the tests and provide a `store`
fixture that yields a `Store` (the journal under test, a second handle on the same data, and the
`FakeClock` the journal was built with), and a `clock` fixture if the fixture wants one:

    from aixgo_cli.testing.journal_contract.runs import *  # noqa: F403
    from aixgo_cli.testing.journal_contract.texts import *  # noqa: F403
    from aixgo_cli.testing.journal_contract.units import *  # noqa: F403
    from aixgo_cli.testing.journal_contract.whole_run import *  # noqa: F403

    @pytest.fixture
    def store(tmp_path: Path) -> Iterator[Store]:
        clock = FakeClock()
        journal = MyJournal(tmp_path / "db", clock=clock)
        yield Store("mine", journal, clock, lambda: MyJournal(tmp_path / "db", clock=clock))
        journal.close()

tests/store/test_journal_contract.py runs it against SqliteJournal and MemoryJournal. The suite needs
pytest; nothing outside tests imports it.
"""

from __future__ import annotations

from aixgo_cli.testing.journal_contract.store import FakeClock, Store

__all__ = ["FakeClock", "Store"]
