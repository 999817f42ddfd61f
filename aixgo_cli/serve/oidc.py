"""OIDC/JWT bearer tokens: verified against the issuer's JWKS (a file, or a URL fetched by pyjwt and
cached), with the issuer, audience, expiry and signature checked; the role comes from a claim."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aixgo_cli.errors import UserError
from aixgo_cli.serve.keys import ROLES, Principal

ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256", "EdDSA"]


@dataclass(frozen=True)
class OidcSettings:
    issuer: str
    audience: str
    jwks: str  # a file path, or an http(s) URL
    role_claim: str = "aixgo_role"
    workflows_claim: str = "aixgo_workflows"


class OidcVerifier:
    def __init__(self, settings: OidcSettings) -> None:
        import jwt

        self.settings = settings
        self._client: Any = None
        self._keys: Any = None
        if settings.jwks.startswith(("https://", "http://")):
            self._client = jwt.PyJWKClient(settings.jwks, cache_keys=True, lifespan=300, timeout=10)
        else:
            path = Path(settings.jwks)
            try:
                self._keys = jwt.PyJWKSet.from_json(path.read_text(encoding="utf-8"))
            except (OSError, ValueError, jwt.PyJWTError) as exc:
                raise UserError(
                    f"--oidc-jwks {path}: cannot read a JWKS from it: {exc}",
                    hint="give the issuer's JWKS JSON file, or its URL",
                ) from None

    def _key_for(self, token: str) -> Any:
        import jwt

        if self._client is not None:
            return self._client.get_signing_key_from_jwt(token).key
        kid = jwt.get_unverified_header(token).get("kid")
        for key in self._keys.keys:
            if kid is None or key.key_id == kid:
                return key.key
        raise jwt.InvalidTokenError("no key in the JWKS matches the token's kid")

    def verify(self, token: str) -> Principal | None:
        """The token's principal, or None when it is not a valid token of this issuer for this audience."""
        import jwt

        try:
            claims = jwt.decode(
                token,
                self._key_for(token),
                algorithms=ALGORITHMS,
                audience=self.settings.audience,
                issuer=self.settings.issuer,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except (jwt.PyJWTError, ValueError, json.JSONDecodeError):
            return None
        role = claims.get(self.settings.role_claim)
        if role not in ROLES:
            return None
        workflows = claims.get(self.settings.workflows_claim)
        allowed = tuple(str(w) for w in workflows) if isinstance(workflows, list) else None
        return Principal(f"oidc:{claims['sub']}", role, allowed)
