"""`aixgo secrets set / list / rm`: manage secrets in the OS keyring (service `aixgo`).

Why `set` has no value argument: argv is kept in shell history and is readable by other users through
the process list, so a secret must never pass through it. The value comes from a hidden prompt when
stdin is a terminal, otherwise from stdin (one trailing newline stripped, so `echo "$KEY" |` works).
Extra arguments are collected and refused by this code rather than by the parser, because the parser's
own message ("unexpected extra argument (sk-...)") would print the value back.

Why the checks run in this order: the keyring is checked before the prompt, so nobody types a secret
only to learn it cannot be stored. `list` prints names and sources, never values: stdout carries the
listing (or JSON with `--json`), notes go to stderr.

Heavy imports (the secrets package, which loads keyring on first use) happen inside the command bodies
so that `aixgo --help` stays fast. Errors are raised as `aixgo_cli.errors` types; the top-level CLI
prints them and maps them to exit codes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from aixgo_cli.errors import ConfigurationError, UserError

app = typer.Typer(
    name="secrets",
    help="Store, list and remove secrets in the OS keyring (environment variables take precedence).",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_show_locals=False,
)

NameArg = Annotated[
    str,
    typer.Argument(
        metavar="NAME", help="Secret name, e.g. OPENAI_API_KEY (letters, digits, underscores).", show_default=False
    ),
]


def _is_valid_name(name: str) -> bool:
    from aixgo_cli.secrets.names import invalid_names

    return not invalid_names([name])


def _check_name_quietly(name: str) -> str:
    """Like `names.check_name`, but never echoes an invalid name: a mistyped `set` may have put the
    secret value where the name belongs."""
    if not _is_valid_name(name):
        raise UserError(
            "invalid secret name (not shown, in case it is a secret value): use letters, digits and "
            "underscores, not starting with a digit; `__index__` is reserved",
            hint="aixgo secrets set OPENAI_API_KEY",
        )
    return name


def _strip_one_newline(data: str) -> str:
    if data.endswith("\r\n"):
        return data[:-2]
    if data.endswith("\n"):
        return data[:-1]
    return data


def _read_value(name: str) -> str:
    stdin = sys.stdin
    if stdin is not None and stdin.isatty():
        value: str = typer.prompt(f"Value for {name}", hide_input=True, err=True)
    else:
        value = _strip_one_newline(stdin.read() if stdin is not None else "")
    if not value:
        raise UserError(
            f"no value for {name}: refusing to store an empty secret",
            hint=f'printf %s "$VALUE" | aixgo secrets set {name}   (or run it in a terminal to be prompted)',
        )
    return value


@app.command(
    "set",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def set_secret(ctx: typer.Context, name: NameArg) -> None:
    """Store a secret in the keyring. The value is read from a hidden prompt, or from stdin when stdin is
    not a terminal; it is never accepted as an argument."""
    if ctx.args:
        shown = name if _is_valid_name(name) else "NAME"
        raise UserError(
            "`aixgo secrets set` takes only a name: secret values are never accepted as arguments, because "
            "argv lands in shell history and the process list (the extra arguments are not shown here)",
            hint=f"aixgo secrets set {shown}   then type the value at the hidden prompt, or pipe it in. "
            "If you typed a real key on the command line, rotate it.",
        )
    _check_name_quietly(name)

    from aixgo_cli.secrets.env_source import EnvSource
    from aixgo_cli.secrets.keyring_source import BACKEND_HINT, KeyringSource

    keyring = KeyringSource()
    if not keyring.available():
        raise ConfigurationError(
            f"cannot store {name}: no usable keyring backend: {keyring.unavailable_reason()}",
            hint=f"set it in the environment instead: export {name}=...\n{BACKEND_HINT}",
        )
    value = _read_value(name)
    keyring.set(name, value)
    typer.echo(f"Stored {name} in the keyring ({keyring.backend_name()}).", err=True)
    if EnvSource().get(name) is not None:
        typer.echo(
            f"note: {name} is also set in the environment, which takes precedence over the keyring.",
            err=True,
        )


@app.command("list")
def list_secrets(
    json_output: Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")] = False,
    workflow: Annotated[
        Path | None,
        typer.Option(
            "--workflow", metavar="FILE", help="Also list the secrets FILE needs, and those its commands supply."
        ),
    ] = None,
) -> None:
    """List secret names and the source that supplies each (env, command or keyring). Values are never
    shown, and a credential-helper command is not run to list it."""
    from aixgo_cli.secrets.chain import SecretResolver
    from aixgo_cli.secrets.keyring_source import BACKEND_HINT

    resolver, needed = SecretResolver(), []
    if workflow is not None:
        from aixgo_cli.config.model import load_workflow
        from aixgo_cli.wiring import required_secrets, secret_resolver, tool_secrets

        loaded = load_workflow(workflow)
        resolver = secret_resolver(loaded)
        needed = required_secrets(loaded) + tool_secrets(loaded)
    entries = resolver.describe(needed)
    status = resolver.keyring_status()
    if json_output:
        payload = {
            "keyring": {"backend": status.backend, "available": status.available, "reason": status.reason},
            "secrets": [
                {"name": e.name, "source": e.source, "in_env": e.in_env, "in_keyring": e.in_keyring} for e in entries
            ],
        }
        typer.echo(json.dumps(payload))
    elif entries:
        width = max(len("NAME"), *(len(e.name) for e in entries))
        typer.echo(f"{'NAME':<{width}}  SOURCE")
        for e in entries:
            shadowed = " (keyring entry unused)" if e.in_env and e.in_keyring else ""
            typer.echo(f"{e.name:<{width}}  {e.source or 'missing'}{shadowed}")
    else:
        typer.echo(
            "No secrets found in the environment or the keyring. Add one: aixgo secrets set OPENAI_API_KEY",
            err=True,
        )
    if not status.available and not json_output:
        typer.echo(
            f"note: only environment variables are listed; the keyring is unavailable: {status.reason}\n"
            f"hint: {BACKEND_HINT}",
            err=True,
        )


@app.command("rm")
def remove_secret(name: NameArg) -> None:
    """Remove a secret from the keyring (environment variables are not touched)."""
    _check_name_quietly(name)
    from aixgo_cli.secrets.env_source import EnvSource
    from aixgo_cli.secrets.keyring_source import KeyringSource

    if not KeyringSource().delete(name):
        raise UserError(f"no secret named {name} in the keyring", hint="aixgo secrets list")
    typer.echo(f"Removed {name} from the keyring.", err=True)
    if EnvSource().get(name) is not None:
        typer.echo(f"note: {name} is still set in the environment, which keeps supplying it.", err=True)
