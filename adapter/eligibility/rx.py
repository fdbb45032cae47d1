"""Regexes written so the regex engine can skip ahead: alternations that each start with a plain letter, patterns cut
by their first character, and patterns read backwards."""
from __future__ import annotations

import re
from collections.abc import Iterable


def words(alternatives: Iterable[str], after: str = "") -> str:
    """The regex ``\\b(?:A1|A2|...)AFTER`` for alternatives (regexes) that each start with a plain letter.

    A regex that starts with ``\\b`` is tried at every position of the text. This one is an alternation with one
    branch per first letter that starts with the letter itself, so a search skips to where one of the letters is
    and tries only the branch of that letter; the check that no word character comes before follows the letter.
    Each branch keeps the alternatives in their order, so at every position the same alternative wins.
    """
    by_first: dict[str, list[str]] = {}
    for alt in alternatives:
        if not alt[:1].isalpha() or alt[1:2] in ("*", "+", "?", "{"):
            raise ValueError(f"an alternative must start with a plain letter: {alt!r}")
        by_first.setdefault(alt[0], []).append(alt[1:])
    return "|".join(f"{c}(?<!\\w{c})(?:{'|'.join(rests)}){after}" for c, rests in by_first.items())


# The helpers below read patterns made of characters, escapes, classes, non-capturing groups, alternations and
# greedy quantifiers (no anchors, lookarounds or capturing groups).
_ESCAPE_OR_CLASS = re.compile(r"\\.|\[(?:\\.|[^\]\\])*\]")
_QUANTIFIER = re.compile(r"[?*+]|\{\d*,?\d*\}")


def _atom_end(pattern: str, pos: int) -> int:
    """Where the atom starting at ``pos`` ends: a character, an escape, a class or a non-capturing group."""
    if pattern.startswith("(?:", pos):
        pos += 3
        while pattern[pos:pos + 1] != ")":
            if pos >= len(pattern):
                raise ValueError(f"unbalanced ( in {pattern!r}")
            pos = pos + 1 if pattern[pos] == "|" else _quantified_end(pattern, pos)
        return pos + 1
    if pattern[pos] in "()|^$?*+{":
        raise ValueError(f"cannot read {pattern!r} at {pos}")
    m = _ESCAPE_OR_CLASS.match(pattern, pos)
    return m.end() if m else pos + 1


def _quantified_end(pattern: str, pos: int) -> int:
    end = _atom_end(pattern, pos)
    q = _QUANTIFIER.match(pattern, end)
    if q and pattern[q.end():q.end() + 1] in ("?", "+"):
        raise ValueError(f"cannot read a lazy or possessive quantifier in {pattern!r}")
    return q.end() if q else end


def _alternatives(pattern: str) -> list[str]:
    """The top-level alternatives of ``pattern``."""
    alts, start, pos = [], 0, 0
    while pos < len(pattern):
        if pattern[pos] == "|":
            alts.append(pattern[start:pos])
            start = pos = pos + 1
        else:
            pos = _quantified_end(pattern, pos)
    return alts + [pattern[start:]]


def _pieces(sequence: str) -> list[tuple[str, str]]:
    """(atom, quantifier) of each item of an alternative."""
    out, pos = [], 0
    while pos < len(sequence):
        end, after = _atom_end(sequence, pos), _quantified_end(sequence, pos)
        out.append((sequence[pos:end], sequence[end:after]))
        pos = after
    return out


def reverse(pattern: str) -> str:
    """A pattern that matches the reversed text of each text ``pattern`` matches (``\\b`` reads the same both
    ways)."""
    def atom(a: str) -> str:
        return f"(?:{reverse(a[3:-1])})" if a.startswith("(?:") else a
    return "|".join("".join(atom(a) + q for a, q in reversed(_pieces(alt))) for alt in _alternatives(pattern))


def starts(pattern: str) -> list[tuple[str, str]]:
    """(first atom, rest) for each way ``pattern`` can start, the first atom a character or an escape:
    "(?:more|greater)\\s+x" starts two ways, "\\.?x" two ways, ">+" one (">", ">*")."""
    out = []
    for alt in _alternatives(pattern):
        if not alt:
            raise ValueError(f"an alternative of {pattern!r} is empty")
        end, after = _atom_end(alt, 0), _quantified_end(alt, 0)
        first, quantifier, rest = alt[:end], alt[end:after], alt[after:]
        if quantifier not in ("", "?", "*", "+"):
            raise ValueError(f"cannot read {pattern!r}: {quantifier} after its first atom")
        if quantifier in ("?", "*"):
            out += starts(rest)
        if quantifier in ("*", "+"):
            rest = first + "*" + rest
        if first.startswith("(?:"):
            out += [(c, more + rest) for c, more in starts(first[3:-1])]
        elif first.startswith("[") or first in (r"\s", r"\S", r"\w", r"\W", r"\d", r"\D", r"\b", r"\B"):
            raise ValueError(f"{pattern!r} does not start with a character")
        else:
            out.append((first, rest))
    return out
