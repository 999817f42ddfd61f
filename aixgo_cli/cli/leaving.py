"""Ending the process at once: flush what was written, then `os._exit` (no interpreter teardown, no
joining of threads). Used after a finished command (`cli.entry`) and after an interruption that left
threads in a model call (`run_support.hard_exit_if_threads_linger`)."""

from __future__ import annotations

import os
import sys
from contextlib import suppress
from typing import NoReturn

from aixgo_cli.secrets.stream import RedactingStream


def flush_and_exit(code: int) -> NoReturn:
    """Flush stdout and stderr (draining the secret filter where it is in place), then end with `code`."""
    for stream in (sys.stdout, sys.stderr):
        # A reader that went away (BrokenPipeError) cannot be shown the rest anyway.
        with suppress(BrokenPipeError, ValueError, OSError):
            stream.drain() if isinstance(stream, RedactingStream) else stream.flush()
    os._exit(code)
