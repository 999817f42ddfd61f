"""One documented order for finding a secret: environment variable, then the command a workflow declares
for it (command_source.py), then OS keyring, then a clear error. A declared command comes before the
keyring because declaring it is an explicit choice for that workflow; the environment still overrides
both, for one-off runs and CI.

Why `require_all`: a workflow names its secrets up front, and a run must fail before any network call,
listing every missing secret at once with the command that fixes each, not one per attempt. Invalid
names are a workflow mistake (exit 2); missing values are configuration (exit 3).

Why every found value is registered with the redaction registry here: this is the single door through
which secret values enter the process, so registering at the door is what guarantees that anything
written later (logs, events, journal, errors) can be scrubbed.

`source_of` and `describe` tell where a secret comes from and never return its value; they are what
`aixgo secrets list` and `aixgo doctor` print.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, Protocol

from aixgo_cli.errors import ConfigurationError, UserError
from aixgo_cli.secrets.command_source import CommandSource
from aixgo_cli.secrets.env_source import EnvSource
from aixgo_cli.secrets.keyring_source import BACKEND_HINT, KeyringSource, KeyringStatus
from aixgo_cli.secrets.names import KNOWN_SECRET_NAMES, check_name, invalid_names
from aixgo_cli.secrets.redaction import Redactor, default_redactor

SourceLabel = Literal["env", "command", "keyring"]


class SecretSource(Protocol):
    @property
    def label(self) -> SourceLabel: ...

    def get(self, name: str) -> str | None: ...


@dataclass(frozen=True)
class SecretStatus:
    """Where one secret is found. `source` is the one that wins (env over keyring); never a value."""

    name: str
    source: SourceLabel | None
    in_env: bool
    in_keyring: bool


class SecretResolver:
    """Resolves secret names through the environment, then the keyring (service `aixgo`)."""

    def __init__(
        self,
        env: EnvSource | None = None,
        keyring: KeyringSource | None = None,
        *,
        redactor: Redactor | None = None,
        commands: CommandSource | None = None,
    ) -> None:
        self.env = env if env is not None else EnvSource()
        self.keyring = keyring if keyring is not None else KeyringSource()
        self.commands = commands if commands is not None else CommandSource()
        self._redactor = redactor if redactor is not None else default_redactor()

    def _sources(self) -> tuple[SecretSource, ...]:
        return (self.env, self.commands, self.keyring)

    def refresh(self, name: str) -> str | None:
        """Fetch a command-supplied secret again (after the provider rejected it: it may have been
        rotated); None when the value did not change or does not come from a command."""
        if self.source_of(name) != "command":
            return None
        before = self.commands.get(name)
        self.commands.invalidate(name)
        after = self.get(name)
        return after if after != before else None

    def _lookup(self, name: str) -> tuple[str, SourceLabel] | None:
        for source in self._sources():
            value = source.get(name)
            if value is not None:
                self._redactor.register(value, name)
                return value, source.label
        return None

    def get(self, name: str) -> str | None:
        """The value, or None when no source has it (for optional secrets)."""
        found = self._lookup(check_name(name))
        return found[0] if found else None

    def resolve(self, name: str) -> str:
        """The value of a required secret; `ConfigurationError` (exit 3) naming it when missing."""
        found = self._lookup(check_name(name))
        if found is None:
            raise self.missing_error([name])
        return found[0]

    def register_from_environment(self, names: Iterable[str] = KNOWN_SECRET_NAMES) -> None:
        """Register the values of these environment variables with the redaction filter, whether or not a
        workflow uses them: a provider key in the environment must not be printed by a tool or a model
        either. Reads the environment only (no keyring prompt)."""
        for name in names:
            value = self.env.get(name)
            if value is not None:
                self._redactor.register(value, name)

    def source_of(self, name: str) -> SourceLabel | None:
        """'env' or 'keyring' (whichever supplies the value), or None. Never the value itself."""
        found = self._lookup(check_name(name))
        return found[1] if found else None

    def require_all(self, names: Iterable[str]) -> dict[str, str]:
        """Every named secret's value, keyed by name. Raises `UserError` (exit 2) listing every invalid
        name, else `ConfigurationError` (exit 3) listing every missing one with the commands that set
        them. Does nothing but local lookups, so it belongs before the first network call."""
        wanted = list(dict.fromkeys(names))
        bad = invalid_names(wanted)
        if bad:
            plural = "s" if len(bad) > 1 else ""
            raise UserError(
                f"invalid secret name{plural}: " + ", ".join(repr(n) for n in bad),
                hint="secret names use letters, digits and underscores, not starting with a digit "
                "(e.g. OPENAI_API_KEY); `__index__` is reserved",
            )
        values: dict[str, str] = {}
        missing: list[str] = []
        for name in wanted:
            found = self._lookup(name)
            if found is None:
                missing.append(name)
            else:
                values[name] = found[0]
        if missing:
            raise self.missing_error(missing)
        return values

    def missing_error(self, missing: list[str]) -> ConfigurationError:
        """The exit-3 error for `missing` names: what was searched, and the exact commands that fix it."""
        reason = self.keyring.unavailable_reason()
        plural = "s" if len(missing) > 1 else ""
        subject = f"missing secret{plural}: " + ", ".join(missing)
        exports = "\n".join(f"  export {n}=..." for n in missing)
        if reason is None:
            message = f"{subject} (looked in the environment and the keyring, service 'aixgo')"
            sets = "\n".join(f"  aixgo secrets set {n}" for n in missing)
            hint = (
                "store it in the keyring (the value is read from a hidden prompt or stdin):\n"
                f"{sets}\nor set it in the environment:\n{exports}"
            )
        else:
            message = f"{subject} (looked in the environment; the keyring is unavailable: {reason})"
            hint = f"set it in the environment:\n{exports}\n`aixgo secrets set` needs a working keyring. {BACKEND_HINT}"
        return ConfigurationError(message, hint=hint)

    def describe(self, names: Iterable[str] = ()) -> list[SecretStatus]:
        """Status of each name given (found or not), plus every name the keyring index lists and every
        well-known provider key name, when found. Sorted by name; never reads out a value."""
        explicit = [check_name(n) for n in names]
        candidates = set(explicit) | set(self.keyring.names()) | set(KNOWN_SECRET_NAMES) | set(self.commands.names())
        result: list[SecretStatus] = []
        for name in sorted(candidates):
            env_value = self.env.get(name)
            kr_value = self.keyring.get(name)
            for value in (env_value, kr_value):
                if value is not None:
                    self._redactor.register(value, name)
            in_env, in_keyring = env_value is not None, kr_value is not None
            # A declared command is not run just to list it: `list` must not unlock a vault.
            by_command = name in self.commands.specs
            if not (in_env or in_keyring or by_command or name in explicit):
                continue
            source: SourceLabel | None = (
                "env" if in_env else ("command" if by_command else ("keyring" if in_keyring else None))
            )
            result.append(SecretStatus(name=name, source=source, in_env=in_env, in_keyring=in_keyring))
        return result

    def keyring_status(self) -> KeyringStatus:
        return self.keyring.status()
