"""Store a run's parameters without the secret values they contain, and restore them on resume.

A user may pass a resolved secret in `--input` or `--var` (a token a tool needs). The parameters are
kept in the journal so that `resume` continues the same run, and the journal (and `runs export` files)
must never hold a secret. Masking alone would lose the value: a resumed run would send `***` where the
first attempt sent the key, and its journaled steps would no longer match.

So a string holding the raw value of a *named* secret is stored masked, plus a reference: the path of
the string in the parameters and its pieces, literal text and secret names, never values. `unseal`
rebuilds the string by resolving those names again, so a resumed run sees exactly what the first one
saw, and a missing secret is the usual exit-3 error naming it. Other registered spellings and values
without a name are masked for good.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aixgo_cli.secrets.redaction import Redactor, default_redactor

SEALED_KEY = "sealed_secrets"


def seal(params: dict[str, Any], redactor: Redactor | None = None) -> dict[str, Any]:
    """`params` (a JSON object) with every string redacted, and, under `SEALED_KEY`, the pieces of each
    string that held a named secret: `{path: [["text", ...] | ["secret", NAME], ...]}`."""
    r = redactor if redactor is not None else default_redactor()
    names = r.named_values()
    sealed: dict[str, list[list[str]]] = {}

    def walk(value: Any, path: str) -> Any:
        if isinstance(value, str):
            pieces = _pieces(value, names, r)
            if any(kind == "secret" for kind, _ in pieces):
                sealed[path] = [list(piece) for piece in pieces]
            return r.redact(value, shapes=False)
        if isinstance(value, dict):
            return {key: walk(item, f"{path}/{_escape(str(key))}") for key, item in value.items()}
        if isinstance(value, list):
            return [walk(item, f"{path}/{index}") for index, item in enumerate(value)]
        return value

    out = {key: walk(value, "/" + _escape(key)) for key, value in params.items() if key != SEALED_KEY}
    if sealed:
        out[SEALED_KEY] = sealed
    return out


def unseal(params: dict[str, Any], resolve: Callable[[str], str]) -> dict[str, Any]:
    """`params` as stored by `seal`, with each sealed string rebuilt from `resolve(name)` (which raises
    for a missing secret). Without sealed strings, `params` is returned as it is."""
    sealed = params.get(SEALED_KEY)
    out = {key: value for key, value in params.items() if key != SEALED_KEY}
    if not isinstance(sealed, dict):
        return out
    for path, pieces in sealed.items():
        text = "".join(resolve(piece) if kind == "secret" else piece for kind, piece in pieces)
        _assign(out, str(path), text)
    return out


def _pieces(text: str, names: dict[str, str], r: Redactor) -> list[tuple[str, str]]:
    """`text` split into literal pieces (redacted) and the names of the secrets between them."""
    if not names:
        return [("text", text)]
    best: tuple[int, str] | None = None
    for value in sorted(names, key=len, reverse=True):
        at = text.find(value)
        if at >= 0 and (best is None or at < best[0]):
            best = (at, value)
    if best is None:
        return [("text", r.redact(text, shapes=False))]
    at, value = best
    head = [("text", r.redact(text[:at], shapes=False))] if at else []
    return [*head, ("secret", names[value]), *_pieces(text[at + len(value) :], names, r)]


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")  # JSON Pointer, RFC 6901


def _assign(root: dict[str, Any], path: str, text: str) -> None:
    parts = [p.replace("~1", "/").replace("~0", "~") for p in path.split("/")[1:]]
    if not parts:
        return
    node: Any = root
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    last = parts[-1]
    if isinstance(node, list):
        node[int(last)] = text
    else:
        node[last] = text
