"""Turning issues, errors and events into what a terminal or a machine reads. Decides nothing."""
