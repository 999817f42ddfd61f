"""A workflow's `knowledge:` indexes: sources, chunking, incremental builds and keyword/vector/hybrid search.

Layering: this package sits between the engine and the tools/providers/store layer. It reads files under
the workflow's folder, keeps each index in its own SQLite file (`store.knowledge_index`) and embeds text
through `providers.embeddings`; the engine journals its search results like any other unit.
"""
