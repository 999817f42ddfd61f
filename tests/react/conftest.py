"""Fixtures for the react tests: the shared ones in tests/conftest.py (engine harness, stub server, CLI),
each test working in its own directory, and tool modules written by a test removed again afterwards."""

from tests.support.isolation import clean_imports, work_in_tmp

__all__ = ["clean_imports", "work_in_tmp"]
