"""Reading a workflow file: safe YAML with positions, and JSON Schema validation.

This package owns `yaml` and `jsonschema_rs`. It turns bytes into data plus a position index, and data
into `Issue`s that carry `file:line:col`. It knows nothing about agents or patterns beyond the schema.
"""
