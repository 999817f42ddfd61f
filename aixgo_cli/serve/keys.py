"""API keys for `aixgo serve`: created once, shown once, stored only as SHA-256 hashes.

A key is `axk_` + 32 random bytes (URL-safe base64). The keys file (`AIXGO_HOME/serve-keys.json`, mode
0600) holds each key's name, role, workflow allowlist, expiry, revocation and the hash of its token,
never the token. Checking a token hashes it and compares that hash with every stored one in constant
time (`hmac.compare_digest`), so neither the comparison nor the number of comparisons depends on how
much of a token was right.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from aixgo_cli.errors import UserError

Role = Literal["viewer", "runner", "admin"]
ROLES: tuple[Role, ...] = ("viewer", "runner", "admin")
KEY_PREFIX = "axk_"
KEYS_FILE = "serve-keys.json"


@dataclass(frozen=True)
class Principal:
    """Who a request is from: a key's name (or an OIDC subject), its role and the workflows it may run
    (None: every workflow)."""

    name: str
    role: Role
    workflows: tuple[str, ...] | None = None

    def may_read(self) -> bool:
        return True

    def may_run(self, workflow: str) -> bool:
        if self.role == "admin":
            return True
        return self.role == "runner" and (self.workflows is None or workflow in self.workflows)


ANONYMOUS_ADMIN = Principal("anonymous", "admin")  # --insecure-no-auth


@dataclass
class StoredKey:
    name: str
    role: Role
    token_sha256: str
    created_at: float
    workflows: list[str] | None = None
    expires_at: float | None = None
    revoked_at: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def state(self, now: float) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and now >= self.expires_at:
            return "expired"
        return "active"


EXPIRY_UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def expiry_seconds(text: str) -> float:
    """`--expires`: a whole number of minutes, hours, days or weeks (`90m`, `12h`, `30d`, `2w`)."""
    number, unit = text[:-1].strip(), text[-1:].lower()
    if unit in EXPIRY_UNITS and number.isdigit() and int(number) > 0:
        return float(int(number) * EXPIRY_UNITS[unit])
    raise UserError(f"--expires {text}: not a duration", hint="for example: --expires 30d (or 12h, 90m, 2w)")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class KeyStore:
    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> list[StoredKey]:
        if not self.path.is_file():
            return []
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return [StoredKey(**item) for item in data.get("keys", [])]
        except (OSError, ValueError, TypeError) as exc:
            raise UserError(
                f"the keys file {self.path} cannot be read: {exc}",
                hint="restore it from a backup, or move it away and create the keys again",
            ) from None

    def _save(self, keys: list[StoredKey]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump({"version": 1, "keys": [asdict(k) for k in keys]}, out, indent=1)
        temp.chmod(0o600)
        temp.replace(self.path)

    def create(
        self, name: str, role: Role, *, workflows: list[str] | None = None, expires_in_s: float | None = None
    ) -> str:
        """Store a new key and return its token (the only time it exists outside the caller's hands)."""
        if role not in ROLES:
            raise UserError(f"--role {role}: not a role", hint="use one of: " + ", ".join(ROLES))
        if not name or not all(c.isalnum() or c in "-_." for c in name):
            raise UserError(f"key name {name!r}: use letters, digits, '-', '_' or '.'", hint="for example: ci-runner")
        keys = self.load()
        now = time.time()
        if any(k.name == name and k.state(now) == "active" for k in keys):
            raise UserError(
                f"a key named {name!r} already exists", hint=f"revoke it first: aixgo serve keys revoke {name}"
            )
        keys = [k for k in keys if k.name != name]
        token = KEY_PREFIX + secrets.token_urlsafe(32)
        expires = now + expires_in_s if expires_in_s is not None else None
        keys.append(StoredKey(name, role, token_hash(token), now, workflows, expires))
        self._save(keys)
        return token

    def revoke(self, name: str) -> None:
        keys = self.load()
        found = [k for k in keys if k.name == name and k.revoked_at is None]
        if not found:
            raise UserError(f"no active key named {name!r}", hint="see the keys with: aixgo serve keys list")
        for key in found:
            key.revoked_at = time.time()
        self._save(keys)

    def verify(self, token: str) -> Principal | None:
        """The principal of an active key whose hash matches, else None; every stored hash is compared."""
        offered = token_hash(token)
        now = time.time()
        match: StoredKey | None = None
        for key in self.load():
            if hmac.compare_digest(offered, key.token_sha256) and key.state(now) == "active":
                match = key
        if match is None:
            return None
        return Principal(match.name, match.role, tuple(match.workflows) if match.workflows is not None else None)
