"""Secrets: found in the environment, then the OS keyring; scrubbed from everything aixgo writes.

Importing this package imports neither `keyring` nor anything else heavy; the keyring is loaded on
first use by `keyring_source.KeyringSource`.
"""

from __future__ import annotations

from aixgo_cli.secrets.chain import SecretResolver, SecretStatus, SourceLabel
from aixgo_cli.secrets.env_source import EnvSource
from aixgo_cli.secrets.keyring_source import SERVICE, KeyringSource, KeyringStatus
from aixgo_cli.secrets.redaction import (
    RedactingFilter,
    Redactor,
    redact,
    redact_exception_text,
    redact_obj,
    register,
)

__all__ = [
    "SERVICE",
    "EnvSource",
    "KeyringSource",
    "KeyringStatus",
    "RedactingFilter",
    "Redactor",
    "SecretResolver",
    "SecretStatus",
    "SourceLabel",
    "redact",
    "redact_exception_text",
    "redact_obj",
    "register",
]
