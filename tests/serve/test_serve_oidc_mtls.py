"""OIDC bearer tokens verified against a JWKS file (role from a claim; wrong audience, expired, unsigned
or role-less tokens refused), over mutual TLS (a client without a certificate is refused)."""

from __future__ import annotations

import json
import socket
import ssl
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from tests.serve.certs import Certs, make_certs
from tests.serve.served import Served, start_server, workflow
from tests.support.e2e import Cli, stub_service

from aixgo_cli.testing.stub_model_server import StubModelServer

pytestmark = pytest.mark.slow

ISSUER = "https://issuer.invalid"
AUDIENCE = "aixgo-test"


@pytest.fixture
def signing_key(tmp_path: Path) -> tuple[rsa.RSAPrivateKey, Path]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]}))
    return key, jwks


def token(key: rsa.RSAPrivateKey, **claims: Any) -> str:
    now = int(time.time())
    body = {"iss": ISSUER, "aud": AUDIENCE, "sub": "alice", "iat": now, "exp": now + 600, **claims}
    return jwt.encode(body, key, algorithm="RS256", headers={"kid": "k1"})


@pytest.fixture
def served(
    cli: Cli, stub: StubModelServer, signing_key: tuple[Any, Path], tmp_path: Path
) -> Iterator[tuple[Served, Certs]]:
    workflow(cli, "echo", stub_service(stub))
    certs = make_certs(tmp_path)
    context = ssl.create_default_context(cafile=str(certs.ca))
    context.load_cert_chain(certs.client_cert, certs.client_key)
    server = start_server(
        cli,
        str(cli.workdir),
        *("--oidc-issuer", ISSUER, "--oidc-audience", AUDIENCE, "--oidc-jwks", str(signing_key[1])),
        *("--tls-cert", str(certs.cert), "--tls-key", str(certs.key), "--tls-client-ca", str(certs.ca)),
        context=context,
    )
    try:
        yield server, certs
    finally:
        server.stop()


def test_oidc_tokens_over_mutual_tls(served: tuple[Served, Certs], signing_key: tuple[Any, Path]) -> None:
    server, certs = served
    key = signing_key[0]
    runner = token(key, aixgo_role="runner")
    done = server.request("POST", "/api/v1/workflows/echo/runs", key=runner, body={"input": "o", "wait": 60})
    assert done.status == 200 and done.json()["status"] == "completed", done.body
    viewer = token(key, aixgo_role="viewer")
    assert server.request("GET", "/api/v1/runs", key=viewer).status == 200
    assert server.request("POST", "/api/v1/workflows/echo/runs", key=viewer, body={}).status == 403
    limited = token(key, aixgo_role="runner", aixgo_workflows=["other"])
    assert server.request("POST", "/api/v1/workflows/echo/runs", key=limited, body={}).status == 403
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    for refused in (
        token(key, aixgo_role="admin", aud="someone-else"),
        token(key, aixgo_role="admin", exp=int(time.time()) - 60),
        token(key, aixgo_role="root"),
        token(key),
        token(other_key, aixgo_role="admin"),
        jwt.encode({"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "aixgo_role": "admin"}, "k" * 32, algorithm="HS256"),
    ):
        assert server.request("GET", "/api/v1/runs", key=refused).status == 401

    no_cert = ssl.create_default_context(cafile=str(certs.ca))
    port = int(server.base_url.rsplit(":", 1)[1])
    with (
        socket.create_connection(("127.0.0.1", port), timeout=30) as raw,
        no_cert.wrap_socket(raw, server_hostname="127.0.0.1") as wrapped,
        pytest.raises((ssl.SSLError, ConnectionError)),
    ):
        # TLS 1.3 sends the refusal of a missing client certificate after the handshake: on first read
        wrapped.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        if wrapped.recv(100) == b"":
            raise ConnectionError("closed without an answer")
