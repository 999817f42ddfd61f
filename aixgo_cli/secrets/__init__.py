"""Secrets: found in the environment, then the OS keyring; scrubbed from everything aixgo writes.

Modules: `chain` (the lookup order, `SecretResolver`), `env_source`, `keyring_source`, `redaction` (the
filter), `encodings` (the spellings a value is masked in), `stream` (the filtered stdout/stderr),
`sealing` (secrets in a run's parameters), `references` (the names a workflow refers to), `names`.

This package imports nothing itself: the CLI puts the filter over its streams for every command, so the
cost of `aixgo --help` must stay that of `redaction` alone; keyring is loaded on first use by
`keyring_source.KeyringSource`.
"""
