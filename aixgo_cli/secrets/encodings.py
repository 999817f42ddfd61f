"""Every spelling under which a secret value may turn up in text, so redaction can mask each of them.

A key rarely leaks only verbatim. Provider errors quote the request URL (percent-encoded), JSON bodies
escape it, HTTP Basic credentials carry it base64-encoded inside `user:key`, debug dumps print bytes as
hex or `\\xNN`, and templating layers write `\\uNNNN` or `&#NN;` escapes. Each such form is registered
next to the raw value.

Base64 is the subtle one: the encoding of a value embedded in a longer byte string depends on where it
starts modulo 3 bytes. For each of the three alignments, the characters that depend only on the value's
own bits are kept (the first and last characters may mix with neighbouring bytes and are dropped), so
`base64("user:" + key)` is masked as well as `base64(key)`.

Forms made only of hex digits or escapes are matched in any letter case (`%2f` and `%2F` are the same
byte). Derived forms shorter than `MIN_DERIVED_LENGTH` are dropped: a four-character base64 fragment
would also occur in ordinary text by chance.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

MIN_DERIVED_LENGTH: Final = 8


@dataclass(frozen=True)
class Spellings:
    exact: frozenset[str]  # matched as written
    caseless: frozenset[str]  # hex and escape forms, matched in any letter case


def spellings(value: str, *, min_length: int) -> Spellings:
    """The raw value and its encoded forms (see the module docstring)."""
    import json  # deferred: the filter is imported by every command, `aixgo --help` included
    from urllib.parse import quote, quote_plus

    data = value.encode("utf-8")
    plain = {
        value,
        quote(value, safe=""),
        quote(value),
        quote_plus(value, safe=""),
        quote(quote(value, safe=""), safe=""),  # a URL inside a URL
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        json.dumps(json.dumps(value, ensure_ascii=False))[3:-3],  # JSON inside a JSON string
    }
    derived = set(_base64_cores(data))
    caseless = {
        "".join(f"%{byte:02x}" for byte in data),
        data.hex(),
        "".join(f"\\x{byte:02x}" for byte in data),
        "".join(f"\\u{ord(char):04x}" for char in value if ord(char) <= 0xFFFF),
        "".join(f"&#x{ord(char):x};" for char in value),
        "".join(f"&#{ord(char)};" for char in value),
    }
    if any(ord(char) > 0xFFFF for char in value):  # the \u form above would be incomplete
        caseless.discard("".join(f"\\u{ord(char):04x}" for char in value if ord(char) <= 0xFFFF))
    exact = {f for f in plain if len(f) >= min_length} | {f for f in derived if len(f) >= MIN_DERIVED_LENGTH}
    caseless_kept = {f.lower() for f in caseless if len(f) >= MIN_DERIVED_LENGTH}
    return Spellings(frozenset(exact), frozenset(caseless_kept))


def _base64_cores(data: bytes) -> list[str]:
    """For each byte alignment, the base64 characters that only the value's own bits decide, in the
    standard and the URL-safe alphabet."""
    import base64

    cores: list[str] = []
    for offset in range(3):
        encoded = base64.b64encode(bytes(offset) + data).decode("ascii")
        start = (8 * offset + 5) // 6  # characters that also cover the bytes before the value
        end = (8 * (offset + len(data))) // 6  # characters fully covered by the value's last byte
        core = encoded[start:end]
        cores += [core, core.replace("+", "-").replace("/", "_")]
    return cores
