"""Text a user hands to a run (`--input @FILE`, stdin, a producer's file) is UTF-8, or a clear error.

A file saved as Latin-1 or Windows-1252 is a common mistake and never a bug in aixgo: the error names
the first byte that is not UTF-8 with its line and column, so the user can find it, and says how to fix it.
"""

from __future__ import annotations

from pathlib import Path

from aixgo_cli.errors import UserError
from aixgo_cli.schema.yaml_errors import line_col_of_offset

_CONVERT = "save it as UTF-8 (for example: iconv -f latin1 -t utf-8 FILE > FILE.utf8)"


def decode_text(raw: bytes, what: str) -> str:
    """`raw` as text; a UserError (exit 2) naming `what` and the first bad byte when it is not UTF-8."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = line_col_of_offset(raw, exc.start)
        byte = raw[exc.start]
        likely = " (it looks like Latin-1 or Windows-1252)" if byte >= 0x80 else ""
        raise UserError(
            f"{what} is not UTF-8 text: byte 0x{byte:02X} at line {line}, column {column}{likely}",
            hint=_CONVERT,
        ) from None


def read_text_file(path: Path, what: str, hint: str) -> str:
    """The UTF-8 text of `path`; a UserError (exit 2) when it cannot be read or is not UTF-8.

    `what` names the file for the user (`--input @notes.txt`, `the producer file notes.txt`)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UserError(f"{what}: cannot read {path}: {exc.strerror or exc}", hint=hint) from None
    return decode_text(raw, what)
