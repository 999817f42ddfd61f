"""`aixgo serve PATH...` and `aixgo serve keys create|list|revoke`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup

HELP = (
    "Serve workflows as MCP tools (at /mcp) and an HTTP API (at /api/v1), with API keys, roles, TLS,\n"
    "rate limits and Prometheus metrics. `aixgo serve PATH...` starts the server; `aixgo serve keys`\n"
    "manages its keys. See docs/serve.md."
)


class _ServeGroup(TyperGroup):
    """`aixgo serve PATH...` runs the hidden `start` command; `aixgo serve keys ...` the keys group."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["start", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(cls=_ServeGroup, help=HELP, no_args_is_help=True, rich_markup_mode=None)
keys_app = typer.Typer(
    help="Create, list and revoke the server's API keys.", no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(keys_app, name="keys")


@app.command("start", help="Start the server (`aixgo serve PATH...` is short for `aixgo serve start PATH...`).")
def start(
    paths: list[Path] = typer.Argument(..., metavar="PATH...", help="Workflow files, or directories of them."),
    host: str = typer.Option("127.0.0.1", "--host", help="The address to listen on."),
    port: int = typer.Option(8080, "--port", help="The port to listen on."),
    db: Path | None = typer.Option(None, "--db", metavar="PATH", help="Journal database (default: under AIXGO_HOME)."),
    insecure_no_auth: bool = typer.Option(
        False, "--insecure-no-auth", help="Serve without authentication (refused on a non-loopback address without it)."
    ),
    tls_cert: Path | None = typer.Option(None, "--tls-cert", metavar="FILE", help="PEM certificate (chain)."),
    tls_key: Path | None = typer.Option(None, "--tls-key", metavar="FILE", help="PEM private key."),
    tls_min_version: str = typer.Option("1.3", "--tls-min-version", metavar="1.3|1.2", help="Oldest TLS version."),
    tls_client_ca: Path | None = typer.Option(
        None, "--tls-client-ca", metavar="FILE", help="Require client certificates signed by this CA (mTLS)."
    ),
    oidc_issuer: str | None = typer.Option(None, "--oidc-issuer", metavar="URL", help="Accept JWTs from this issuer."),
    oidc_audience: str | None = typer.Option(None, "--oidc-audience", metavar="AUD", help="The JWTs' audience."),
    oidc_jwks: str | None = typer.Option(None, "--oidc-jwks", metavar="FILE|URL", help="The issuer's JWKS."),
    oidc_role_claim: str = typer.Option(
        "aixgo_role", "--oidc-role-claim", metavar="CLAIM", help="Claim naming the role."
    ),
    rate: float = typer.Option(20.0, "--rate", metavar="N", help="Requests per second per key (bursts of 2N)."),
    max_body: int = typer.Option(1024 * 1024, "--max-body-bytes", metavar="N", help="Largest request body."),
    runs_per_key: int = typer.Option(4, "--runs-per-key", metavar="N", help="Runs in progress at once per key."),
    runs_total: int = typer.Option(32, "--runs-total", metavar="N", help="Runs in progress at once in all."),
    budget_usd: float | None = typer.Option(None, "--budget-usd", metavar="USD", help="Most a served run may spend."),
    max_steps: int | None = typer.Option(None, "--max-steps", metavar="N", help="Most steps of a served run."),
    max_tokens: int | None = typer.Option(None, "--max-tokens", metavar="N", help="Most tokens of a served run."),
    timeout: str | None = typer.Option(None, "--timeout", metavar="DURATION", help="Longest a served run may take."),
) -> int:
    from aixgo_cli.engine.run_limits import LimitOverrides
    from aixgo_cli.errors import UserError
    from aixgo_cli.serve.app import ServeLimits
    from aixgo_cli.serve.server import ServeOptions, is_loopback, serve
    from aixgo_cli.serve.tls import TlsSettings

    if (tls_cert is None) != (tls_key is None):
        raise UserError("--tls-cert and --tls-key go together", hint="give both, or neither for plain HTTP")
    if tls_client_ca is not None and tls_cert is None:
        raise UserError("--tls-client-ca needs --tls-cert and --tls-key", hint="client certificates work only over TLS")
    oidc_given = [o for o in (oidc_issuer, oidc_audience, oidc_jwks) if o is not None]
    if oidc_given and len(oidc_given) != 3:
        raise UserError("--oidc-issuer, --oidc-audience and --oidc-jwks go together", hint="give all three")
    if insecure_no_auth and not is_loopback(host):
        sys.stderr.write(
            "aixgo: warning: --insecure-no-auth on a non-loopback address: anyone who reaches it is admin\n"
        )
    for value, flag in (
        (rate, "--rate"),
        (max_body, "--max-body-bytes"),
        (runs_per_key, "--runs-per-key"),
        (runs_total, "--runs-total"),
    ):
        if value <= 0:
            raise UserError(f"{flag} {value}: must be above 0", hint=f"for example: {flag} 10")
    oidc = None
    if oidc_issuer and oidc_audience and oidc_jwks:
        from aixgo_cli.serve.oidc import OidcSettings

        oidc = OidcSettings(oidc_issuer, oidc_audience, oidc_jwks, oidc_role_claim)
    options = ServeOptions(
        paths=paths,
        host=host,
        port=port,
        db=db,
        insecure_no_auth=insecure_no_auth,
        tls=TlsSettings(tls_cert, tls_key, tls_min_version, tls_client_ca) if tls_cert and tls_key else None,
        oidc=oidc,
        limits=ServeLimits(requests_per_second=rate, burst=max(1, int(rate * 2)), max_body_bytes=max_body),
        run_limits=LimitOverrides.from_options(
            max_steps=max_steps, max_tokens=max_tokens, budget_usd=budget_usd, timeout=timeout
        ),
        runs_per_key=runs_per_key,
        runs_total=runs_total,
    )
    return serve(options)


@keys_app.command("create")
def keys_create(
    name: str = typer.Argument(..., metavar="NAME", help="A name for the key (who or what uses it)."),
    role: str = typer.Option(..., "--role", metavar="viewer|runner|admin", help="What the key may do."),
    workflows: str | None = typer.Option(None, "--workflows", metavar="A,B", help="Only these workflows (runner)."),
    expires: str | None = typer.Option(None, "--expires", metavar="DURATION", help="Valid for this long (e.g. 30d)."),
) -> int:
    """Create a key and print it once on stdout; only its hash is stored."""
    from aixgo_cli.serve.keys import ROLES, expiry_seconds
    from aixgo_cli.serve.server import keys_store

    if role not in ROLES:
        from aixgo_cli.errors import UserError

        raise UserError(f"--role {role}: not a role", hint="use one of: " + ", ".join(ROLES))
    allowed = [w.strip() for w in workflows.split(",") if w.strip()] if workflows is not None else None
    expires_s = expiry_seconds(expires) if expires is not None else None
    token = keys_store().create(name, role, workflows=allowed, expires_in_s=expires_s)
    sys.stdout.write(token + "\n")
    sys.stderr.write(f"aixgo: key {name!r} ({role}) created; it is shown only this once\n")
    return 0


@keys_app.command("list")
def keys_list(json_out: bool = typer.Option(False, "--json", help="One JSON object per line.")) -> int:
    """The keys: name, role, workflows, state (active, expired, revoked) and expiry; never the key."""
    import json
    import time

    from aixgo_cli.serve.server import keys_store

    now = time.time()
    for key in keys_store().load():
        row = {
            "name": key.name,
            "role": key.role,
            "workflows": key.workflows,
            "state": key.state(now),
            "expires_at": key.expires_at,
            "created_at": key.created_at,
        }
        if json_out:
            sys.stdout.write(json.dumps(row) + "\n")
        else:
            expiry = time.strftime("%Y-%m-%d %H:%M", time.gmtime(key.expires_at)) + "Z" if key.expires_at else "never"
            scope = ",".join(key.workflows) if key.workflows is not None else "*"
            sys.stdout.write(f"{key.name:<20} {key.role:<7} {row['state']:<8} expires {expiry:<18} workflows {scope}\n")
    return 0


@keys_app.command("revoke")
def keys_revoke(name: str = typer.Argument(..., metavar="NAME", help="The key's name.")) -> int:
    """Revoke a key at once: requests with it are refused from now on."""
    from aixgo_cli.serve.server import keys_store

    keys_store().revoke(name)
    sys.stderr.write(f"aixgo: key {name!r} revoked\n")
    return 0
