"""The second place a secret is looked for: the OS keyring, service `aixgo`, one entry per secret name.

This is the only module that imports `keyring`, and only inside functions: importing it picks and
initialises a backend (D-Bus on Linux), which commands that never touch secrets must not pay for.

Why "unavailable" is a state and not an exception: on a headless machine keyring's default backend is
`keyring.backends.fail.Keyring`, which raises `NoKeyringError` on every call. aixgo must then still work
from environment variables, so reads report "not found" and remember why the keyring could not be used
(for the resolver's error hint and for `doctor`). Only writes (`set`, `delete`) raise, as a
`ConfigurationError` (exit 3) whose hint explains how to get a working backend. Backends that would
silently lose a stored secret (`null.Keyring`, a `ChainerBackend` with nothing to chain) count as
unavailable too.

Why an `__index__` entry: keyring cannot enumerate what a service holds, yet `aixgo secrets list` must
show stored names. The names (never values) are kept as a JSON list in the keyring entry `__index__`
under the same service, rather than in a file under AIXGO_HOME, because then the list lives, locks and
is wiped together with the secrets it describes: selecting another backend (PYTHON_KEYRING_BACKEND)
brings its own index, and there is no second file whose location or permissions could disagree with
the keyring. The index is a convenience: `list` confirms each listed name by reading its entry, and
also probes the well-known provider names, so entries written by other tools still show. Concurrent
`secrets set` runs may race on the index; the later write wins and a lost name reappears on its next
`set`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from aixgo_cli.errors import ConfigurationError, UserError
from aixgo_cli.secrets import redaction
from aixgo_cli.secrets.names import INDEX_ENTRY, NAME_PATTERN, check_name

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

SERVICE = "aixgo"

BACKEND_HINT = (
    "aixgo reads secrets from environment variables first, so `export NAME=...` always works. "
    "To store secrets in the OS keyring instead, run a Secret Service provider inside a D-Bus session "
    "(e.g. gnome-keyring-daemon or KeePassXC's Secret Service integration; on macOS and Windows the "
    "system keychain works out of the box), or choose a backend explicitly with "
    "PYTHON_KEYRING_BACKEND=<module.Class> (see `keyring --list-backends`)."
)


@dataclass(frozen=True)
class KeyringStatus:
    """What `doctor` reports: which backend keyring chose, and whether aixgo can use it (and why not)."""

    backend: str
    available: bool
    reason: str | None


def _class_name(obj: object) -> str:
    cls = type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


def _unusable_reason(backend: KeyringBackend) -> str | None:
    from keyring.backends import chainer, fail, null

    if isinstance(backend, fail.Keyring):
        return "no keyring backend is available on this machine (keyring selected its fail.Keyring)"
    if isinstance(backend, null.Keyring):
        return "the selected backend keyring.backends.null.Keyring discards everything stored in it"
    if isinstance(backend, chainer.ChainerBackend) and not backend.backends:
        return "the selected ChainerBackend has no backends to chain"
    return None


class KeyringSource:
    """Secrets in the OS keyring. Pass `backend` to use a specific `KeyringBackend` instance (tests,
    embedders); otherwise keyring's own selection applies (PYTHON_KEYRING_BACKEND, keyringrc, priority).
    """

    label: Literal["keyring"] = "keyring"

    def __init__(self, backend: KeyringBackend | None = None, *, service: str = SERVICE) -> None:
        self._backend = backend
        self._service = service
        self._failure: str | None = None
        self._checked = False

    # -- state -------------------------------------------------------------------------------------

    def _usable(self) -> KeyringBackend | None:
        """The backend if it can be used; otherwise None, with the reason kept in `self._failure`."""
        if self._failure is not None:
            return None
        if self._backend is None:
            try:
                import keyring

                self._backend = keyring.get_keyring()
            except Exception as exc:  # a bad PYTHON_KEYRING_BACKEND or keyringrc raises ImportError etc.
                self._failure = f"could not load the keyring backend: {type(exc).__name__}: {exc}"
                return None
        if not self._checked:
            self._checked = True
            self._failure = _unusable_reason(self._backend)
            if self._failure is not None:
                return None
        return self._backend

    def _mark_failed(self, exc: Exception) -> None:
        detail = redaction.redact(str(exc)) or type(exc).__name__
        self._failure = f"the keyring backend {self.backend_name()} failed: {detail}"

    def _require(self) -> KeyringBackend:
        backend = self._usable()
        if backend is None:
            raise ConfigurationError(f"no usable keyring backend: {self._failure}", hint=BACKEND_HINT)
        return backend

    def backend_name(self) -> str:
        """The dotted class name of the backend keyring selected, or "none" if none could be loaded."""
        self._usable()
        return _class_name(self._backend) if self._backend is not None else "none"

    def available(self) -> bool:
        return self._usable() is not None

    def unavailable_reason(self) -> str | None:
        """Why the keyring cannot be used, or None while it can."""
        self._usable()
        return self._failure

    def status(self) -> KeyringStatus:
        usable = self._usable() is not None
        return KeyringStatus(backend=self.backend_name(), available=usable, reason=self._failure)

    # -- secrets -----------------------------------------------------------------------------------

    def get(self, name: str) -> str | None:
        """The stored value, or None when absent or when the keyring cannot be used (never raises for
        an unusable keyring: the caller falls back to, or already tried, the environment)."""
        check_name(name)
        return self._read(name)

    def _read(self, entry: str) -> str | None:
        from keyring.errors import KeyringError

        backend = self._usable()
        if backend is None:
            return None
        try:
            value = backend.get_password(self._service, entry)
        except KeyringError as exc:  # locked, D-Bus trouble, NoKeyringError from a wrapped fail.Keyring
            self._mark_failed(exc)
            return None
        return value or None

    def set(self, name: str, value: str) -> None:
        """Store `value` under `name` and add the name to the index. Raises `ConfigurationError` (exit 3)
        when no backend is usable or the backend refuses, `UserError` for an empty value."""
        from keyring.errors import KeyringError

        check_name(name)
        if not value:
            raise UserError(f"refusing to store an empty value for {name}", hint=f"aixgo secrets set {name}")
        redaction.register(value)
        backend = self._require()
        try:
            backend.set_password(self._service, name, value)
        except KeyringError as exc:
            self._mark_failed(exc)
            raise ConfigurationError(
                f"could not store {name} in the keyring: {self._failure}", hint=BACKEND_HINT
            ) from None
        self._update_index(add=name)

    def delete(self, name: str) -> bool:
        """Remove `name` from the keyring and the index. False when it was not stored. Raises
        `ConfigurationError` when no backend is usable or the backend refuses."""
        from keyring.errors import KeyringError

        check_name(name)
        backend = self._require()
        if self._read(name) is None:
            self._require()  # the read may have found the backend broken
            self._update_index(remove=name)
            return False
        try:
            backend.delete_password(self._service, name)
        except KeyringError as exc:
            self._mark_failed(exc)
            raise ConfigurationError(
                f"could not remove {name} from the keyring: {self._failure}", hint=BACKEND_HINT
            ) from None
        self._update_index(remove=name)
        return True

    # -- the index of names ------------------------------------------------------------------------

    def names(self) -> list[str]:
        """Names recorded in the index, sorted; empty when the keyring is unusable. Not verified here:
        an entry removed by another tool may still be listed (see `SecretResolver.describe`)."""
        raw = self._read(INDEX_ENTRY)
        if raw is None:
            return []
        try:
            data = json.loads(raw)
        except ValueError:
            return []  # a damaged index is rebuilt by the next set/rm; the secrets themselves are intact
        if not isinstance(data, list):
            return []
        return sorted({n for n in data if isinstance(n, str) and NAME_PATTERN.fullmatch(n)} - {INDEX_ENTRY})

    def _update_index(self, *, add: str | None = None, remove: str | None = None) -> None:
        from keyring.errors import KeyringError

        backend = self._require()
        names = set(self.names())
        before = set(names)
        if add is not None:
            names.add(add)
        if remove is not None:
            names.discard(remove)
        if names == before:
            return
        try:
            backend.set_password(self._service, INDEX_ENTRY, json.dumps(sorted(names)))
        except KeyringError as exc:
            self._mark_failed(exc)
            raise ConfigurationError(
                f"could not update aixgo's list of stored names in the keyring: {self._failure}",
                hint=BACKEND_HINT,
            ) from None


def backend_name() -> str:
    """The keyring backend aixgo would use in this environment (for `doctor`)."""
    return KeyringSource().backend_name()


def keyring_status() -> KeyringStatus:
    """Backend, availability and the reason it is unavailable (for `doctor`)."""
    return KeyringSource().status()
