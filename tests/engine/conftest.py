"""Fixtures for engine tests: the harness over a journal comes from tests/conftest.py (`engine` runs a test
over both journals, `mem` and `sql` over one); each test works in its own directory, and the tool modules
it writes are removed from the import system afterwards."""

from tests.support.isolation import clean_imports, work_in_tmp

__all__ = ["clean_imports", "work_in_tmp"]
