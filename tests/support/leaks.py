"""Search artefacts for a planted secret in every spelling it could take (raw, URL, JSON, base64, hex...)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from urllib.parse import quote, quote_plus


def encodings(value: str) -> dict[str, str]:
    """The planted value in every encoding a provider error, a URL, a request body or a dump may use."""
    data = value.encode()
    return {
        "raw": value,
        "url": quote(value, safe=""),
        "url_plus": quote_plus(value),
        "url_twice": quote(quote(value, safe=""), safe=""),
        "percent_all": "".join(f"%{b:02X}" for b in data),
        "percent_lower": "".join(f"%{b:02x}" for b in data),
        "json": json.dumps(value)[1:-1],
        "json_in_json": json.dumps(json.dumps(value))[1:-1],
        "unicode_escapes": "".join(f"\\u{ord(c):04x}" for c in value),
        "unicode_escapes_upper": "".join(f"\\u{ord(c):04X}" for c in value),
        "hex": data.hex(),
        "hex_upper": data.hex().upper(),
        "backslash_x": "".join(f"\\x{b:02x}" for b in data),
        "html_hex": "".join(f"&#x{ord(c):x};" for c in value),
        "html_dec": "".join(f"&#{ord(c)};" for c in value),
        "base64": base64.b64encode(data).decode(),
        "base64_url": base64.urlsafe_b64encode(data).decode(),
        "base64_nopad": base64.b64encode(data).decode().rstrip("="),
        "basic_auth": base64.b64encode(b"user:" + data).decode(),
        "basic_auth_2": base64.b64encode(b"ab:" + data).decode(),
        "basic_auth_3": base64.b64encode(b"x:" + data + b":tail").decode(),
    }


def files_under(*roots: Path) -> list[Path]:
    return sorted(
        p for root in roots if root.exists() for p in ([root] if root.is_file() else root.rglob("*")) if p.is_file()
    )


def leaks(value: str, artefacts: Mapping[str, str | bytes]) -> list[str]:
    """`artefact: encoding` for each artefact that holds the value in some encoding (bytes are searched
    as UTF-8 and as Latin-1 text, case-insensitively for the hex and escape forms)."""
    found = []
    forms = encodings(value)
    for name, blob in artefacts.items():
        texts = [blob] if isinstance(blob, str) else [blob.decode("utf-8", "replace"), blob.decode("latin-1")]
        for form, encoded in forms.items():
            caseless = form.startswith(("hex", "percent", "unicode", "backslash", "html"))
            if any((encoded.lower() in t.lower()) if caseless else (encoded in t) for t in texts):
                found.append(f"{name}: {form}")
    return found


def artefacts_of(paths: Iterable[Path], **texts: str) -> dict[str, str | bytes]:
    out: dict[str, str | bytes] = {str(p): p.read_bytes() for p in paths}
    out.update(texts)
    return out
