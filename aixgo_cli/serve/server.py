"""Starting `aixgo serve`: load and validate the workflows, open the journal and the audit log, resume the
runs a killed server left in flight, and run uvicorn (with our own TLS context) until stopped."""

from __future__ import annotations

import ipaddress
import socket
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aixgo_cli.config.model import Workflow
from aixgo_cli.engine.run_limits import LimitOverrides
from aixgo_cli.errors import AixgoError, UserError
from aixgo_cli.paths import data_home, default_db_path
from aixgo_cli.secrets.redaction import redact
from aixgo_cli.serve.app import ServeLimits, ServerParts, create_app
from aixgo_cli.serve.auth import Authenticator
from aixgo_cli.serve.keys import KEYS_FILE, KeyStore
from aixgo_cli.serve.limits import RunSlots
from aixgo_cli.serve.metrics import Metrics
from aixgo_cli.serve.runs import ServedRuns
from aixgo_cli.serve.tls import TlsSettings, certificate_expiry

if TYPE_CHECKING:
    from aixgo_cli.serve.oidc import OidcSettings

WORKFLOW_SUFFIXES = (".yaml", ".yml")


@dataclass
class ServeOptions:
    paths: Sequence[Path]
    host: str = "127.0.0.1"
    port: int = 8080
    db: Path | None = None
    insecure_no_auth: bool = False
    tls: TlsSettings | None = None
    oidc: OidcSettings | None = None
    limits: ServeLimits = field(default_factory=ServeLimits)
    run_limits: LimitOverrides = field(default_factory=LimitOverrides)
    runs_per_key: int | None = 4
    runs_total: int | None = 32


def keys_store() -> KeyStore:
    return KeyStore(data_home() / KEYS_FILE)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def workflow_files(paths: Sequence[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.suffix in WORKFLOW_SUFFIXES and p.is_file())
        elif path.is_file():
            files.append(path)
        else:
            raise UserError(f"{path}: no such file or directory", hint="give workflow files or directories of them")
    if not files:
        raise UserError("no workflow files found", hint="give .yaml workflow files, or a directory that holds them")
    return files


def validation_errors(path: Path) -> list[str]:
    """`aixgo validate`'s diagnostics of the file's errors, with their lines."""
    from aixgo_cli.config.validate import validate_path
    from aixgo_cli.render.issues import issue_text
    from aixgo_cli.render.style import Style

    report = validate_path(path, str(path))
    return [issue_text(issue, report.loaded.lines, Style(False)) for issue in report.errors]


def load_served(files: Sequence[Path]) -> dict[str, Workflow]:
    """Each file validated (its diagnostics raise exit 2) and loaded; two workflows may not share a name."""
    from aixgo_cli.config.model import load_workflow
    from aixgo_cli.engine.capabilities import check_runnable

    served: dict[str, Workflow] = {}
    for path in files:
        problems = validation_errors(path)
        if problems:
            raise UserError(
                f"{path} is not valid:\n" + "\n".join(problems),
                hint=f"fix it (see: aixgo validate {path}), then start again",
            )
        workflow = load_workflow(path)
        check_runnable(workflow)
        if workflow.name in served:
            raise UserError(
                f"two served workflows are named {workflow.name!r}: {served[workflow.name].path} and {path}",
                hint="give each workflow its own name:",
            )
        served[workflow.name] = workflow
    return served


def build_parts(options: ServeOptions, workflows: dict[str, Workflow], journal: Any) -> ServerParts:
    from aixgo_cli.security.audit import AuditLog

    if options.insecure_no_auth and not is_loopback(options.host):
        sys.stderr.write(f"aixgo: warning: serving {options.host} with no authentication (--insecure-no-auth)\n")
    metrics = Metrics()
    if options.tls is not None:
        metrics.cert_expiry = certificate_expiry(options.tls.cert)
    audit = AuditLog(data_home() / "audit" / "serve.jsonl", "serve", redact)
    oidc = None
    if options.oidc is not None:
        from aixgo_cli.serve.oidc import OidcVerifier

        oidc = OidcVerifier(options.oidc)
    auth = Authenticator(keys_store(), audit, metrics, oidc=oidc, insecure_no_auth=options.insecure_no_auth)
    runs = ServedRuns(
        workflows,
        journal,
        metrics,
        ceiling=options.run_limits,
        slots=RunSlots(options.runs_per_key, options.runs_total),
    )
    return ServerParts(runs, auth, metrics, options.limits, loopback_only=is_loopback(options.host))


def serve(options: ServeOptions) -> int:
    import uvicorn

    from aixgo_cli.serve.page import page_routes
    from aixgo_cli.wiring import open_journal

    workflows = load_served(workflow_files(options.paths))
    ssl_context = options.tls.context() if options.tls is not None else None
    if not options.insecure_no_auth and options.oidc is None and not keys_store().load():
        if not is_loopback(options.host):
            raise UserError(
                f"no API key exists, so nobody could use a server on {options.host}",
                hint="create one first (aixgo serve keys create NAME --role runner), or pass --insecure-no-auth "
                "to serve with no authentication at all",
            )
        sys.stderr.write("aixgo: no API keys yet: create one with `aixgo serve keys create NAME --role runner`\n")
    sock = _listening_socket(options.host, options.port)
    port = sock.getsockname()[1]
    with open_journal(options.db) as journal:
        parts = build_parts(options, workflows, journal)

        def on_ready() -> None:
            for handle in parts.runs.resume_in_flight(_not_resumed):
                sys.stderr.write(f"aixgo: resuming run {handle.run_id} (in flight when the server stopped)\n")
            scheme = "https" if ssl_context is not None else "http"
            sys.stderr.write(
                f"aixgo: serving {len(workflows)} workflow(s) at {scheme}://{options.host}:{port} "
                f"(MCP at /mcp, API at /api/v1)\n"
            )
            sys.stderr.flush()

        parts.on_ready = on_ready
        page = page_routes(
            options.db if options.db is not None else default_db_path(),
            workflows,
            parts.auth.verify_key,
            secure_cookie=ssl_context is not None,
        )
        config = uvicorn.Config(
            create_app(parts, page),
            log_level="warning",
            access_log=False,
            lifespan="on",
            timeout_graceful_shutdown=5,
            ssl_context_factory=(lambda config, default: ssl_context) if ssl_context is not None else None,
        )
        uvicorn.Server(config).run(sockets=[sock])
    return 0


def _not_resumed(run_id: str, exc: AixgoError) -> None:
    sys.stderr.write(f"aixgo: run {run_id} not resumed: {redact(exc.message)}\n")


def _listening_socket(host: str, port: int) -> socket.socket:
    """The server's socket, bound before anything starts: a taken port is a clear error, and --port 0
    picks a free one (printed in the start-up line)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise UserError(
            f"cannot listen on {host}:{port}: {exc.strerror}", hint="pick another --port, or --host"
        ) from None
    sock.listen(2048)
    return sock
