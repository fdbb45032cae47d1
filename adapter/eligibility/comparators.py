"""Comparators written as symbols or words ("≥", "at least", "no more than", "or older") and lost ones ("=18")."""
from __future__ import annotations

import re

from . import rx


def _alts(*phrases: str) -> tuple[str, ...]:
    return tuple(sorted(phrases, key=len, reverse=True))


_GE = _alts(r">\s*/?\s*=", r"=\s*>", r">\s*or\s*=", r"greater\s+than\s+or\s+equal(?:\s+to)?",
            r"greater\s+or\s+equal(?:\s+to)?", r"more\s+than\s+or\s+equal(?:\s+to)?",
            r"higher\s+than\s+or\s+equal(?:\s+to)?", r"equal\s+to\s+or\s+(?:greater|more|higher|older)\s+than",
            r"equal\s+or\s+(?:greater|more|higher)\s+than", r"at\s+least", r"no\s+less\s+than", r"not\s+less\s+than",
            r"no\s+fewer\s+than", r"not\s+fewer\s+than", r"no\s+younger\s+than", r"not\s+younger\s+than",
            r"no\s+lower\s+than", r"equal\s+or\s+(?:above|over)", r"(?:more|greater|higher)\s+or\s+equal(?:\s+to)?", r"not\s+lower\s+than", r"a\s+minimum\s+of", r"minimum\s+of", r"minimum",
            r"min\.?", r"not\s+below", r"greater\s+than\s+or\s+equal\s+to",
            r"equal\s+(?:to\s+)?or\s+superior\s+to", r"superior\s+or\s+equal\s+to", r"at\s+or\s+(?:after|above|over)")
_LE = _alts(r"<\s*/?\s*=", r"=\s*<", r"<\s*or\s*=", r"less\s+than\s+or\s+equal(?:\s+to)?", r"less\s+or\s+equal(?:\s+to)?",
            r"lower\s+than\s+or\s+equal(?:\s+to)?", r"equal\s+to\s+or\s+(?:less|lower|younger|fewer)\s+than",
            r"equal\s+or\s+(?:less|lower)\s+than", r"at\s+most", r"no\s+more\s+than", r"not\s+more\s+than",
            r"no\s+greater\s+than", r"not\s+greater\s+than", r"no\s+higher\s+than", r"not\s+higher\s+than",
            r"no\s+older\s+than", r"not\s+older\s+than", r"not\s+exceed(?:ing)?", r"not\s+to\s+exceed",
            r"does\s+not\s+exceed", r"do\s+not\s+exceed", r"a\s+maximum\s+of", r"maximum\s+of", r"maximum", r"max\.?",
            r"up\s+to", r"equal\s+or\s+(?:below|under)", r"(?:less|lower)\s+or\s+equal(?:\s+to)?", r"not\s+above", r"not\s+over",
            r"equal\s+(?:to\s+)?or\s+inferior\s+to", r"inferior\s+or\s+equal\s+to", r"at\s+or\s+(?:before|below|under)")
_GT = _alts(r">+", r"greater\s+than", r"more\s+than", r"higher\s+than", r"older\s+than", r"larger\s+than", r"over",
            r"above", r"exceed(?:s|ing)?", r"in\s+excess\s+of", r"elevated\s+above", r"superior\s+to", r"bigger\s+than",
            r"longer\s+than")
_LT = _alts(r"<+", r"less\s+than", r"lower\s+than", r"younger\s+than", r"fewer\s+than", r"under", r"below",
            r"inferior\s+to", r"smaller\s+than", r"shorter\s+than")
# filler words allowed between a comparator and its number: "greater than or equal to the 5th", "< or = to"
_GAP = r"(?:\s*(?:(?:to|of|the|a|an|approximately|about|age[sd]?)\b|:))*\s*"


def _starts(phrase: str) -> list[tuple[str, str]]:
    """(first character, rest) for each way the phrase can start: "(?:more|greater)\\s+x" starts two ways."""
    ways = rx.starts(phrase)
    if any(not (c.isalpha() or c in "<>=") for c, _ in ways):
        raise ValueError(f"comparator phrase must start with a plain character: {phrase}")
    return ways


def _prefix_rx(phrases: tuple[str, ...]) -> re.Pattern:
    """The phrases, then the filler words, then the end. Symbols may touch the word before them ("Hb<60"); words
    must start a word. The phrases are grouped by their first character, which each group matches before anything
    else (the check of the character before it comes after): a search skips to those characters and tries only
    the group of the one found. The order of the phrases does not matter, as only where the match starts is used."""
    rests: dict[str, list[str]] = {}
    for phrase in phrases:
        for first, rest in _starts(phrase):
            rests.setdefault(first, []).append(rest)
    branches = []
    for c, alts in rests.items():
        before = "[<>=]" if c in "<>=" else r"\w"
        branches.append(f"{c}(?<!{before}{c})(?:{'|'.join(alts)})")
    return re.compile(f"(?:{'|'.join(branches)})" + _GAP + "$")


def _ends_rx(phrases: tuple[str, ...]) -> re.Pattern:
    """_prefix_rx(phrases) read backwards: a match at the start of the reversed text before a number tells whether
    a comparator ends that text in one try, where a search of the text tries every place. Its alternatives too
    are grouped by their first character."""
    rests: dict[str, list[str]] = {}
    for phrase in phrases:
        for first, rest in _starts(phrase):
            before = "[<>=]" if first in "<>=" else r"\w"
            for c, more in rx.starts(rx.reverse(rest) + first):
                rests.setdefault(c, []).append(f"{more}(?!{before})")
    branches = "|".join(f"{c}(?:{'|'.join(alts)})" for c, alts in rests.items())
    # "$" also matches before a final newline
    return re.compile(r"\n?" + rx.reverse(_GAP) + f"(?:{branches})")


# (op, its comparators read backwards, its comparators) in the order they are tried
_PREFIX = [(op, _ends_rx(p), _prefix_rx(p)) for op, p in ((">=", _GE), ("<=", _LE), (">", _GT), ("<", _LT))]
# the four in one: before most numbers there is no comparator, which one match then tells
_ANY_END = _ends_rx(_GE + _LE + _GT + _LT)
_SUFFIX = [(op, re.compile(r"\s*(?:" + "|".join(p) + r")(?![\w])(?!\s+than\b)")) for op, p in (
    (">=", _alts(r"or\s+more", r"or\s+greater", r"or\s+higher", r"or\s+above", r"or\s+older", r"or\s+over",
                 r"and\s+above", r"and\s+older", r"and\s+over", r"and\s+more", r"and\s+greater", r"and\s+higher",
                 r"and\s+up", r"or\s+longer", r"or\s+later", r"\+", r"or\s+greater\s+than", r"at\s+least",
                 r"minimum", r"or\s+beyond")),
    ("<=", _alts(r"or\s+less", r"or\s+fewer", r"or\s+lower", r"or\s+below", r"or\s+younger", r"or\s+under",
                 r"and\s+below", r"and\s+under", r"and\s+younger", r"and\s+less", r"or\s+shorter", r"or\s+earlier",
                 r"maximum", r"at\s+most", r"or\s+lesser")))]
# a bare "=" or "?" standing where a comparator should be: the source lost "≥"/"≤" (encoding damage)
_LOST = re.compile(r"(?:^|[^<>=!/])(?:=|\?)\s*(?:to\s+)?$")
_WINDOW = 48


def prefix(before: str) -> tuple[str | None, int]:
    """The comparator right before a number, and where it starts in ``before``; (None, -1) when there is none."""
    return prefix_at(before, len(before))


def prefix_at(low: str, end: int) -> tuple[str | None, int]:
    """prefix(low[:end]), without copying the text before the window."""
    offset = max(0, end - _WINDOW)
    tail = low[offset:end]
    back = tail[::-1]
    if not _ANY_END.match(back):
        return None, -1
    for op, ends, forward in _PREFIX:
        if ends.match(back):
            return op, offset + forward.search(tail).start()
    return None, -1


def suffix_at(low: str, pos: int) -> tuple[str | None, int]:
    """The comparator words at ``pos``, right after a number and its unit ("18 years or older"), and their
    length."""
    for op, rx in _SUFFIX:
        m = rx.match(low, pos)
        if m:
            return op, m.end() - pos
    return None, 0


def lost_at(low: str, end: int) -> bool:
    """A "=" or "?" right before ``end``, the start of a number, where a comparator was meant."""
    return bool(_LOST.search(low[max(0, end - 6):end]))
