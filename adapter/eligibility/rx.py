"""Alternations of words written so the regex engine can skip ahead: each alternative starts with a plain letter."""
from __future__ import annotations

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
