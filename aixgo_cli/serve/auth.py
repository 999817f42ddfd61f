"""Who a request is from: an API key or an OIDC token as a bearer token, or the page's `aixgo_key` cookie.

Refusals are counted and written to the server's audit log (`AIXGO_HOME/audit/serve.jsonl`, hash-chained
like a run's) with the key's name when one was given, never a token.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import TYPE_CHECKING

from aixgo_cli.serve.keys import ANONYMOUS_ADMIN, KeyStore, Principal
from aixgo_cli.serve.metrics import Metrics

if TYPE_CHECKING:
    from aixgo_cli.security.audit import AuditSink
    from aixgo_cli.serve.oidc import OidcVerifier

COOKIE_NAME = "aixgo_key"


@dataclass(frozen=True)
class Credentials:
    token: str | None
    via: str  # "bearer", "cookie" or "none"


def credentials(headers: Mapping[str, str]) -> Credentials:
    """The token a request carries (headers with lower-case names), the Authorization header first."""
    authorization = headers.get("authorization", "")
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return Credentials(value.strip(), "bearer")
    cookie_header = headers.get("cookie")
    if cookie_header:
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(cookie_header)
        except Exception:  # a malformed cookie header: as if there were none
            return Credentials(None, "none")
        if COOKIE_NAME in jar and jar[COOKIE_NAME].value:
            return Credentials(jar[COOKIE_NAME].value, "cookie")
    return Credentials(None, "none")


class Authenticator:
    def __init__(
        self,
        keys: KeyStore,
        audit: AuditSink,
        metrics: Metrics,
        *,
        oidc: OidcVerifier | None = None,
        insecure_no_auth: bool = False,
    ) -> None:
        self.keys = keys
        self.audit = audit
        self.metrics = metrics
        self.oidc = oidc
        self.insecure_no_auth = insecure_no_auth

    def verify_key(self, token: str) -> Principal | None:
        """The principal of a valid API key or OIDC token (the page's login form uses this too)."""
        if self.insecure_no_auth:
            return ANONYMOUS_ADMIN
        principal = self.keys.verify(token)
        if principal is None and self.oidc is not None and not token.startswith("axk_"):
            principal = self.oidc.verify(token)
        return principal

    def identify(self, given: Credentials) -> Principal | None:
        if self.insecure_no_auth:
            return ANONYMOUS_ADMIN
        return self.verify_key(given.token) if given.token else None

    def deny(self, reason: str, *, path: str, method: str, principal: Principal | None, detail: str = "") -> None:
        """Count and audit a refusal (`unauthenticated`, `forbidden`, `rate_limited`, `busy`, `too_large`,
        `cross_origin`)."""
        self.metrics.refused(reason)
        self.audit.record(
            "access_denied",
            reason=reason,
            method=method,
            path=path[:200],
            principal=principal.name if principal else None,
            role=principal.role if principal else None,
            detail=detail[:200],
        )
