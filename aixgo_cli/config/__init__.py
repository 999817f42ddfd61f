"""The meaning of a workflow beyond its shape: references, graph rules, patterns, templates."""
