"""Process-wide CLI flags set by the root callback (only `--debug` today)."""

debug = False
