"""Normalise criteria text for matching: Unicode forms, dashes, comparators, escapes and control characters."""
from __future__ import annotations

import re
import unicodedata

# the regexes of the fact readers look at no more than this much of one criterion: bounded time per criterion
MAX_CHARS = 4000

_MAP = {
    "\u2265": ">=", "\u2a7e": ">=", "\u2267": ">=", "\u227d": ">=",
    "\u2264": "<=", "\u2a7d": "<=", "\u2266": "<=", "\u227c": "<=",
    "\u226b": ">", "\u226a": "<", "\u00b5": "u", "\u03bc": "u", "\u00d7": "x", "\u2715": "x", "\u2a2f": "x",
    "\u00a0": " ", "\u2219": ".", "\u22c5": ".", "\n": " ", "\t": " ", "\u2009": " ", "\u202f": " ", "\u2044": "/", "\u2215": "/", "\u00b4": "'", "\u2019": "'",
    "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2103": "\u00b0C", "\u00ba": "\u00b0", "\uff5e": "~", "\u301c": "~",
}
for _dash in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d\u2043":
    _MAP[_dash] = "-"
# control and invisible characters read as spaces
for _control in [*range(0x00, 0x09), 0x0b, 0x0c, *range(0x0e, 0x20), *range(0x7f, 0xa0), *range(0x200b, 0x2010),
                 0x2028, 0x2029, 0xfeff]:
    _MAP[chr(_control)] = " "
_TABLE = str.maketrans(_MAP)
# str.translate looks up every character of the text in the dict, and a miss costs it an exception: ASCII text
# (most criteria) is translated as bytes, and the ASCII characters the map leaves alone map to themselves
_ASCII = [chr(i) for i in range(128)]
_ASCII_TABLE = bytes.maketrans("".join(_ASCII).encode("ascii"),
                               "".join(_MAP.get(c, c) for c in _ASCII).encode("ascii"))
_TABLE.update({ord(c): ord(c) for c in _ASCII if c not in _MAP})
_ESCAPE = re.compile(r"\\([<>=*_\[\]()#+\-.!])")


def clean(text: str) -> str:
    """NFKC text with one dash, ASCII comparators, markdown escapes undone and control characters as spaces."""
    t = unicodedata.normalize("NFKC", text)
    t = t.encode("ascii").translate(_ASCII_TABLE).decode("ascii") if t.isascii() else t.translate(_TABLE)
    return _ESCAPE.sub(r"\1", t) if "\\" in t else t


def for_matching(text: str) -> str:
    """The cleaned, lower-cased, length-capped form the fact readers search."""
    return clean(text[:MAX_CHARS]).lower()
