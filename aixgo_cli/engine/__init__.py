"""The runner: walks the flow with the journal as its memo, enforces limits, emits events."""
