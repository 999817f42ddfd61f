"""The checks behind `aixgo doctor`, each a small function returning `Check`s; no output here.

Nothing a check prints may hold a secret value: secrets are reported by name and source only, and a
provider check sends a key only to the endpoint the workflow names it for.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

CheckStatus = Literal["ok", "warn", "fail"]
# litellm releases that were compromised (docs/dependencies.md); `x` matches any part.
EXCLUDED_LITELLM = ("1.82.7", "1.82.8", "1.107.x")
# Public endpoints with a cheap authenticated listing, for providers a workflow uses without api_base.
PUBLIC_BASES = {
    "openai": "https://api.openai.com/v1",
    "xai": "https://api.x.ai/v1",
    "mistral": "https://api.mistral.ai/v1",
    "groq": "https://api.groq.com/openai/v1",
    "deepseek": "https://api.deepseek.com/v1",
    "openrouter": "https://openrouter.ai/api/v1",
}
PROBE_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Check:
    name: str
    status: CheckStatus
    message: str
    hint: str | None = None


def versions() -> list[Check]:
    from aixgo_cli import __version__

    python = ".".join(str(p) for p in sys.version_info[:3])
    out = [Check("python", "ok", f"Python {python} ({sys.executable})"), Check("aixgo", "ok", f"aixgo {__version__}")]
    out.append(litellm_version())
    return out


def litellm_version() -> Check:
    from importlib import metadata

    try:
        version = metadata.version("litellm")
    except metadata.PackageNotFoundError:
        return Check(
            "litellm", "fail", "litellm is not installed", "reinstall: pip install -r requirements/runtime.lock"
        )
    for excluded in EXCLUDED_LITELLM:
        parts, have = excluded.split("."), version.split(".")
        if all(p == "x" or (i < len(have) and have[i] == p) for i, p in enumerate(parts)):
            return Check(
                "litellm",
                "fail",
                f"litellm {version} is an excluded (compromised) release",
                "reinstall the pinned version: pip install --require-hashes -r requirements/runtime.lock",
            )
    return Check("litellm", "ok", f"litellm {version} (not one of the excluded releases {', '.join(EXCLUDED_LITELLM)})")


def keyring_check() -> Check:
    from aixgo_cli.secrets.keyring_source import BACKEND_HINT, keyring_status

    status = keyring_status()
    if status.available:
        return Check("keyring", "ok", f"keyring backend {status.backend}")
    return Check(
        "keyring",
        "warn",
        f"no usable keyring backend ({status.backend}: {status.reason}); secrets come from the environment only",
        BACKEND_HINT,
    )


def journal_check(db: Path | None) -> Check:
    from aixgo_cli.paths import default_db_path

    path = db if db is not None else default_db_path()
    if not path.exists():
        parent = next((p for p in path.parents if p.exists()), None)
        if parent is not None and not os.access(parent, os.W_OK):
            return Check("journal", "fail", f"{path} cannot be created: {parent} is not writable", _db_hint())
        return Check("journal", "ok", f"{path} (not created yet; the first run creates it, mode 600)")
    if not path.is_file():
        return Check("journal", "fail", f"{path} is not a file", _db_hint())
    info = path.stat()
    mode = stat.S_IMODE(info.st_mode)
    size = f"{info.st_size / 1024:.0f} KiB" if info.st_size < 1_048_576 else f"{info.st_size / 1_048_576:.1f} MiB"
    text = f"{path} ({size}, mode {mode:o})"
    if not os.access(path, os.R_OK | os.W_OK):
        return Check("journal", "fail", f"{text}: not readable and writable by this user", _db_hint())
    if mode & 0o077:
        return Check(
            "journal", "warn", f"{text}: other users can read it (it holds prompts and outputs)", f"chmod 600 {path}"
        )
    return Check("journal", "ok", text)


def _db_hint() -> str:
    return "fix the permissions, or point aixgo elsewhere with --db PATH or AIXGO_HOME"


def workflow_checks(path: Path, check_providers: bool) -> list[Check]:
    """Validity, where each secret it needs would come from (never the value), and optionally reachability."""
    from aixgo_cli.cli.error_report import shown_hint
    from aixgo_cli.config.model import InvalidWorkflow, load_workflow
    from aixgo_cli.errors import UserError
    from aixgo_cli.secrets.chain import SecretResolver
    from aixgo_cli.wiring import required_secrets, sibling_cassette

    label = f"workflow {path}"
    try:
        workflow = load_workflow(path)
    except InvalidWorkflow as error:
        return [Check(label, "fail", error.message, f"aixgo validate {path}")]
    except UserError as error:
        return [Check(label, "fail", error.message, shown_hint(error))]
    out = [Check(label, "ok", f"valid: {len(workflow.agents)} agents")]
    resolver = SecretResolver()
    names = required_secrets(workflow)
    statuses = {s.name: s for s in resolver.describe(names)} if names else {}
    for name in names:
        found = statuses.get(name)
        if found is not None and found.source is not None:
            also = " (also in the keyring; the environment wins)" if found.in_env and found.in_keyring else ""
            out.append(Check(f"secret {name}", "ok", f"from the {_source_word(found.source)}{also}"))
        elif (cassette := sibling_cassette(workflow)) is not None:
            out.append(
                Check(
                    f"secret {name}",
                    "warn",
                    f"not set; runs replay {cassette.name} for the inputs recorded there, other inputs fail",
                    f"aixgo secrets set {name}   (or export {name}=...)",
                )
            )
        else:
            out.append(
                Check(
                    f"secret {name}",
                    "fail",
                    "not set: neither in the environment nor in the keyring",
                    f"aixgo secrets set {name}   (or export {name}=...)",
                )
            )
    if check_providers:
        out.extend(provider_checks(workflow.model_services.values(), [a.model for a in workflow.agents.values()]))
    return out


def _source_word(source: str) -> str:
    return "environment" if source == "env" else "keyring"


def provider_checks(services: Iterable[Mapping[str, Any]], models: Iterable[str | None]) -> list[Check]:
    """One cheap authenticated listing (`GET {api_base}/models`) per distinct endpoint the workflow uses."""
    from aixgo_cli.providers.model_ref import ModelResolver

    services = list(services)
    resolver = ModelResolver(services)
    endpoints: dict[str, tuple[str, str | None]] = {}
    for model in [s["name"] for s in services] + [m for m in models if m]:
        try:
            resolved = resolver.resolve(model)
        except Exception:  # invalid names were reported by validation
            continue
        provider = resolved.litellm_model.split("/", 1)[0]
        base = resolved.api_base or PUBLIC_BASES.get(provider)
        label = model if model in {s["name"] for s in services} else provider
        if base is None:
            endpoints.setdefault(f"-{provider}", (label, None))
            continue
        endpoints.setdefault(base.rstrip("/"), (label, resolved.api_key_secret_name))
    return [_probe(base, label, secret) for base, (label, secret) in endpoints.items()]


def _opener() -> Any:
    """An opener that never follows redirects: urllib would carry the Authorization header to wherever
    a redirect points, and a key goes only to the endpoint the workflow names."""
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    return urllib.request.build_opener(NoRedirect)


def _probe(base: str, label: str, secret_name: str | None) -> Check:
    import urllib.error
    import urllib.request

    from aixgo_cli.secrets.chain import SecretResolver

    name = f"provider {label}"
    if base.startswith("-"):
        return Check(name, "ok", "skipped: no cheap reachability call for this provider")
    if not base.startswith(("http://", "https://")):
        return Check(name, "fail", f"{base}: not an http(s) URL", "give api_base as http://HOST:PORT/v1")
    request = urllib.request.Request(f"{base}/models", method="GET")
    if secret_name:
        key = SecretResolver().get(secret_name)
        if key is None:
            return Check(
                name, "fail", f"{base}: not checked, {secret_name} is not set", f"aixgo secrets set {secret_name}"
            )
        request.add_header("Authorization", f"Bearer {key}")
    try:
        with _opener().open(request, timeout=PROBE_TIMEOUT_S) as response:
            return Check(name, "ok", f"{base} answered HTTP {response.status}")
    except urllib.error.HTTPError as error:
        if error.code in (401, 403):
            return Check(name, "fail", f"{base} rejected the key (HTTP {error.code})", f"check {secret_name}")
        status: CheckStatus = "ok" if error.code < 500 else "fail"
        return Check(name, status, f"{base} answered HTTP {error.code}")
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        return Check(name, "fail", f"{base} is not reachable: {reason}", "check api_base and that the server runs")


CERT_WARN_DAYS = 14


def certificate_check(cert: Path) -> Check:
    """When `aixgo serve`'s TLS certificate expires: a warning within two weeks, a failure once past."""
    import time

    from aixgo_cli.errors import UserError
    from aixgo_cli.serve.tls import certificate_expiry

    try:
        expires = certificate_expiry(cert)
    except UserError as error:
        return Check("tls certificate", "fail", error.message, error.hint)
    days = (expires - time.time()) / 86400
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(expires))
    if days <= 0:
        return Check("tls certificate", "fail", f"{cert} expired on {when}", "renew it, then restart aixgo serve")
    if days < CERT_WARN_DAYS:
        return Check("tls certificate", "warn", f"{cert} expires on {when} (in {days:.0f} days)", "renew it soon")
    return Check("tls certificate", "ok", f"{cert} expires on {when} (in {days:.0f} days)")
