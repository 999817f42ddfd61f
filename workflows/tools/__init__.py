"""Python tools shipped with the example workflows (imported as `tools.<module>` from workflows/)."""
