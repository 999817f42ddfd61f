"""One module per agent role. Each reads its own config block and sees the engine only through
`Invocation` (model calls, tool calls, templates), never the journal or the CLI."""
