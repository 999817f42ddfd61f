"""A workflow's `knowledge:` indexes: sources, chunking, incremental builds and keyword/vector/hybrid search.

Layering: this package sits between the engine and the tools/providers/store layer. It reads files under
the workflow's folder, keeps each index in its own SQLite file (`store.knowledge_index`) and embeds text
through `providers.embeddings`; the engine journals its search results like any other unit.

Nothing is
imported here: a run that uses no index never loads the package's modules.
"""

# Tool types built by this package rather than the tool layer's registry: they need the run's indexes.
KNOWLEDGE_TOOL_TYPES = frozenset({"retrieval"})
