"""Unicode tricks that hide text from line-based screening, undone before any pattern looks at it.

A pattern anchored at the start of a line (`^Observation:`, `^system:`) only sees `\\n` as a line break,
but a terminal, a model and `str.splitlines` also break lines at `\\r`, `\\v`, `\\f`, the file, group and
record separators, NEL (U+0085) and the Unicode line and paragraph separators (U+2028, U+2029). Invisible
format characters (zero-width space and joiners, word joiner, soft hyphen, BOM, bidirectional controls,
tag characters: the whole Unicode category Cf, plus a few fillers) split a keyword so that it no longer
matches. Letters can be spelled with full-width or other compatibility forms, or with Cyrillic and Greek
look-alikes.

`plain_lines` rewrites every line break to `\\n` and removes invisible characters, for screening that
only needs a verdict. `skeleton` keeps offsets instead, for a parser that must cut the original text
where it found something: one character for one, every line break becomes `\\n` (so `\\r\\n` reads as two
line ends, harmless for finding line starts), every invisible character becomes `INVISIBLE` (NUL, which
patterns then allow anywhere inside a word), and every other character the letter it imitates.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Final

_LINE_BREAKS: Final = re.compile("\r\n|[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
LINE_BREAK_CHARS: Final = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
INVISIBLE: Final = "\x00"
_ASCII_SPECIAL: Final = re.compile("[\r\x0b\x0c\x1c\x1d\x1e\x00]")  # ASCII that `skeleton` rewrites
# Invisible characters outside category Cf: combining grapheme joiner, Hangul fillers, Mongolian
# variation selectors, and the variation selectors.
_OTHER_INVISIBLE: Final = frozenset(
    "\u034f\u115f\u1160\u3164\uffa0\u180b\u180c\u180d\u180f" + "".join(map(chr, range(0xFE00, 0xFE10)))
)
# Look-alike letters mapped to the ASCII letter they imitate (Cyrillic and Greek).
HOMOGLYPHS: Final = str.maketrans(
    "\u0430\u0435\u043e\u0440\u0441\u0445\u0443\u0456\u0455\u0458\u04bb\u0501"
    "\u0410\u0412\u0415\u041a\u041c\u041d\u041e\u0420\u0421\u0422\u0425\u0423\u0406\u0405\u0408"
    "\u0391\u0392\u0395\u0396\u0397\u0399\u039a\u039c\u039d\u039f\u03a1\u03a4\u03a7\u03a5\u0417"
    "\u03bf\u03b1\u03b9\u03ba\u03bd\u03c1\u03c5",
    "aeopcxyisjhdABEKMHOPCTXYISJABEZHIKMNOPTXYZoaikvpu",
)


def is_invisible(char: str) -> bool:
    return unicodedata.category(char) == "Cf" or char in _OTHER_INVISIBLE


def plain_lines(text: str) -> str:
    """`text` with every Unicode line break as `\\n` and without invisible characters."""
    text = _LINE_BREAKS.sub("\n", text)
    if text.isascii():
        return text
    return "".join(char for char in text if not is_invisible(char))


@lru_cache(maxsize=4096)
def _skeleton_char(char: str) -> str:
    if char in LINE_BREAK_CHARS:
        return "\n"
    if char == INVISIBLE or is_invisible(char):
        return INVISIBLE
    folded = unicodedata.normalize("NFKC", char).translate(HOMOGLYPHS)
    return folded if len(folded) == 1 and folded not in LINE_BREAK_CHARS else char


def skeleton(text: str) -> str:
    """`text` with each character replaced by the one it imitates, keeping length and offsets: line
    breaks as `\\n`, invisible characters as `INVISIBLE`, full-width, compatibility and look-alike forms
    as the letters they imitate."""
    if text.isascii() and not _ASCII_SPECIAL.search(text):
        return text
    return "".join(_skeleton_char(char) for char in text)
