"""Clinical scores written as lists or Roman numerals: "ECOG 0 or 1", "NYHA class III-IV", "ASA I-II", "≥ grade III NYHA"."""
from __future__ import annotations

import re

from . import comparators
from .context import Context
from .thresholds import shown_name
from .model import Fact

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6}
_R = r"(?:iv|v|i{1,3})"
# the first numeral, and the check of the character before it after that: a search skips to an "i" or a "v"
_ROMAN_RX = re.compile(r"(?P<a>i(?<![\w/]i)(?:v|i{0,2})|v(?<![\w/]v))\b(?:\s*(?P<sep>-|to|through|or|and|/|,)\s*"
                       r"(?:(?:class|grade)\s+)?(?P<b>" + _R + r")\b(?:\s*(?:,\s*or|,\s*and|,|or|and|/)\s*(?P<c>" + _R + r")\b)?)?")
_DIGIT_LIST = re.compile(r"(?P<a>\d)(?<![\w.]\d)\s*(?:,|or|and|/)\s*(?P<b>\d)(?:\s*,?\s*(?:,|or|and|/)\s*(?P<c>\d))?"
                         r"(?!\w)(?!\.\d)(?!\s*(?:-|to)\s*\d)")
_GAP = 45
_STOP = re.compile(r"[;.]")
_NAME_WORD = re.compile(r"(?:grade|class|stage|status)\s*$")


def _near(ctx: Context, start: int, end: int, roman: bool):
    """The score concept named just before the value (or right after it: "≥ grade III NYHA")."""
    cands = [m for m in ctx.measurable if m.concept.kind == "score" and (m.concept.roman or not roman)]
    before = [m for m in cands if m.end <= start and start - m.end <= _GAP and
              not _STOP.search(ctx.low, m.end, start)]
    if before:
        return before[-1]
    after = [m for m in cands if m.start >= end and m.start - end <= 12 and roman]
    return after[0] if after else None


def _fact(ctx: Context, mention, op, value=None, low=None, high=None) -> Fact:
    c = mention.concept
    shown = shown_name(c, mention.text)
    return Fact("score", shown, ctx.criterion.text, c.codings, op, value, low, high, None, None, confidence=0.85)


def read(ctx: Context) -> list[Fact]:
    if not any(m.concept.kind == "score" for m in ctx.measurable):
        return []
    facts = []
    for rx, roman in ((_ROMAN_RX, True), (_DIGIT_LIST, False)):
        for m in rx.finditer(ctx.low):
            mention = _near(ctx, m.start(), m.end(), roman)
            if mention is None or (not roman and any(v.start == m.start() for v in ctx.values
                                                     if v.start in ctx.consumed)):
                continue
            conv = (lambda x: _ROMAN[x]) if roman else int
            nums = [conv(x) for x in (m.group("a"), m.group("b"), m.group("c")) if x]
            op, _ = comparators.prefix(_NAME_WORD.sub("", ctx.low[:m.start()]))
            if len(nums) == 1:
                if roman and op and op != "unknown":
                    facts.append(_fact(ctx, mention, op, value=nums[0]))
                continue
            through = roman and (m.group("sep") or "") in ("-", "to", "through")
            if op or (not through and sorted(nums) != list(range(min(nums), max(nums) + 1))):
                continue
            ctx.consumed.update(v.start for v in ctx.values if m.start() <= v.start < m.end())
            facts.append(_fact(ctx, mention, "range", low=min(nums), high=max(nums)))
    return facts
