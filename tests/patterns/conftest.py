"""Fixtures for the pattern tests: the shared ones in tests/conftest.py (engine harness, stub server, CLI)
and each test working in its own directory."""

from tests.support.isolation import work_in_tmp

__all__ = ["work_in_tmp"]
