"""Prompt-injection screening, SSRF guard, audit log, rate limiting and circuit breaking for tools."""
