"""The server's TLS context: TLS 1.3 at least unless 1.2 is asked for, optional client certificates (mTLS),
and the certificate's expiry for `/metrics` and `aixgo doctor`."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path

from aixgo_cli.errors import UserError

VERSIONS = {"1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}


@dataclass(frozen=True)
class TlsSettings:
    cert: Path
    key: Path
    min_version: str = "1.3"
    client_ca: Path | None = None

    def context(self) -> ssl.SSLContext:
        if self.min_version not in VERSIONS:
            raise UserError(f"--tls-min-version {self.min_version}: not supported", hint="use 1.3 (the default) or 1.2")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = VERSIONS[self.min_version]
        try:
            context.load_cert_chain(self.cert, self.key)
        except (OSError, ssl.SSLError) as exc:
            raise UserError(
                f"cannot load the TLS certificate {self.cert} with key {self.key}: {exc}",
                hint="give a PEM certificate (chain) and its unencrypted PEM private key",
            ) from None
        if self.client_ca is not None:
            try:
                context.load_verify_locations(cafile=str(self.client_ca))
            except (OSError, ssl.SSLError) as exc:
                raise UserError(
                    f"cannot load --tls-client-ca {self.client_ca}: {exc}", hint="give a PEM CA file"
                ) from None
            context.verify_mode = ssl.CERT_REQUIRED
        context.set_alpn_protocols(["http/1.1"])
        return context


def certificate_expiry(cert: Path) -> float:
    """The Unix time the first certificate in a PEM file stops being valid."""
    from datetime import UTC

    from cryptography import x509

    try:
        certificate = x509.load_pem_x509_certificate(cert.read_bytes())
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot read the certificate {cert}: {exc}", hint="give a PEM certificate file") from None
    return certificate.not_valid_after_utc.astimezone(UTC).timestamp()
