"""Python's garbage collector during start-up.

Start-up allocates hundreds of thousands of objects that live as long as the process (modules, LiteLLM's
tables and price map), and every one of them is scanned again by each collection the allocations trigger:
measured, the collections during LiteLLM's import cost more than 0.5 s of a `run`'s start. So the CLI
pauses the collector while it starts; once the run's model client is built (or at once, for every other
command) the survivors are frozen (`gc.freeze`: never scanned again) and collection resumes as usual.
"""

from __future__ import annotations

import gc


class _StartUp:
    """Whether the collector is paused by `pause` (and so is ours to resume)."""

    paused = False


def pause() -> None:
    if gc.isenabled():
        gc.disable()
        _StartUp.paused = True


def resume() -> None:
    """Idempotent; only undoes `pause` (a caller that disabled the collector itself keeps it so)."""
    if _StartUp.paused:
        _StartUp.paused = False
        gc.freeze()
        gc.enable()
