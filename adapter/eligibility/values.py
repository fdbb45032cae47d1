"""Find the numeric value expressions of a criterion: number or range, power of ten, unit, comparator."""
from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import filterfalse

from . import comparators, rx
from .lexicon import Tokens, unit_lookup, unit_match

WORD_NUMBERS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "twice": 2, "thrice": 3,
}
# numbers written in digits: "12", "1,500", "150 000", "2.5", ".5" (not the "5" of "x5" or "1/5"); the first
# character is matched first, so the regex engine can skip to a digit or a dot, and the lookbehind checks the one
# before it. Digits and number words share no character: the two scans find what one alternation of both would.
_DIGITS = re.compile(r"[\d.](?<![\w.,/][\d.])(?:(?<=\d)(?:\d{0,2}(?:,\d{3})+(?:\.\d+)?|\d{0,2}(?: \d{3})+(?![\d.,])|"
                     r"\d*(?:\.\d+)?)|(?<=\.)\d+)(?![\d])")
_WORDS = re.compile(rx.words(WORD_NUMBERS, r"\b"))
_DEC_COMMA = re.compile(r",(\d{1,2})(?!\d)")
_POWER = re.compile(r"\s*(?:x|\*)\s*10\s*(?:\^|\*\*|\*|e)?\s*\(?\s*(\d{1,2})\s*\)?(?=\s*/)")
_ULN = re.compile(
    r"\s*(?:x|times|-?\s*fold)?\s*(?:the\s+|above\s+the\s+|over\s+the\s+|of\s+the\s+)?"
    r"(?:institutional\s+|laboratory\s+|local\s+)?(?:uln|lun|unl|upper\s+limits?\s+(?:of\s+)?(?:the\s+)?(?:institutional\s+)?"
    r"(?:normal|reference)(?:\s+range|\s+values?|\s+limits?)?|upper\s+normal\s+(?:limits?|values?|range)|"
    r"normal\s+upper\s+limits?|upper\s+limits?\s+normal|maximum\s+normal\s+value|upper\s+limit\b|"
    r"highest\s+reference\s+value|upper\s+reference\s+limit|upper\s+limit\s+of\s+the\s+reference\s+range)"
    r"|\s*(?:x|times)\s*(?:the\s+)?(?:n\b|normal\b)|(?<=twice)\s+(?:the\s+)?normal\b")
_RANGE_SEP = re.compile(r"\s*(?:-\s*and|-\s*to|-|~|to|through|and|old\s+to|of\s+age\s+to)\s*(<\s*=?)?\s*")
_PAIR = re.compile(r"\s*/\s*(\d{2,3})(?![\d.])(?!\s*(?:mm3|ul|l\b))")
_BETWEEN = re.compile(r"(?:between|from|range\s+of|ranging\s+from|aged?|ages)\s*(?:the\s+ages?\s+of\s+)?$")
# connectors that let a bare number borrow the unit of the number after it: "> 18 and < 60 years"
_AGE_FILLER = re.compile(r"\s*(?:years?\s+)?(?:of\s+age|old|of\s+life)\b")
_SHARE = re.compile(r"^\s*(?:and|to|-|,|or)\s*(?:[<>]=?\s*)?$")


@dataclass
class Value:
    start: int
    end: int
    op: str | None              # "<", "<=", ">", ">=", "range", "unknown" or None
    value: float | None = None
    low: float | None = None
    high: float | None = None
    unit: str | None = None     # UCUM
    unit_text: str | None = None
    unit_kind: str | None = None  # time, uln, score, measure
    second: float | None = None   # the "90" of "140/90"
    high_unit: str | None = None  # "6 months to 17 years": the high bound's own unit
    high_unit_text: str | None = None
    op_start: int = -1

    @property
    def bounds(self) -> tuple[float | None, ...]:
        return (self.low, self.high) if self.op == "range" else (self.value,)


def number(text: str) -> float | None:
    t = text.strip().lower()
    if t in WORD_NUMBERS:
        return float(WORD_NUMBERS[t])
    try:
        return float(t.replace(",", "").replace(" ", ""))
    except ValueError:
        return None


def _unit_at(low: str, pos: int) -> tuple[str | None, str | None, str | None, int]:
    """(UCUM code, unit as written, kind, end) of the unit starting at ``pos`` (after spaces), or Nones."""
    m = _ULN.match(low, pos)
    if m:
        return "{ULN}", "x ULN", "uln", m.end()
    m = _POWER.match(low, pos)
    exp = None
    if m:
        exp, pos = m.group(1), m.end()
    j = pos
    while j < len(low) and (low[j] == " " or (low[j] == "-" and j == pos and low[j + 1:j + 2].isalpha())):
        j += 1
    m = unit_match(low, j)
    if not m:
        return (None, None, None, pos) if exp is None else (f"10*{exp}", f"x10^{exp}", "measure", pos)
    written = m.group(0)
    code, kind = unit_lookup().get("".join(written.split()), (None, None))
    if code is None:
        return None, None, None, pos
    if exp is not None:
        if not code.startswith("/"):
            return None, None, None, pos
        code, written = f"10*{exp}{code}", f"x10^{exp}{written}"
    return code, written, kind, m.end()


_WORD_NUMBERS = frozenset(WORD_NUMBERS)
# every number in digits has a decimal digit: in ASCII text, one of 0-9, which a search skips to quickly
_ANY_DIGIT = re.compile(r"\d")
_ANY_ASCII_DIGIT = re.compile(r"[0-9]")


def _may_have_number_words(tokens: Tokens) -> bool:
    """Whether _WORDS can match in the text of these tokens. Its matches are whole runs of word characters,
    and such a run is a token or a piece of one between its joiners ("twenty-one")."""
    if not _WORD_NUMBERS.isdisjoint(tokens.words):
        return True
    # the others are pieces of the tokens that hold a joiner, which _WORDS finds in them as in the text
    return tokens.joined and bool(_WORDS.search(" ".join(filterfalse(str.isalnum, tokens.words))))


def _numbers(low: str, tokens: Tokens | None = None) -> list[re.Match]:
    """The numbers of the text, in order. ``tokens``, those of the text, spare the scan for number words when
    none of them can be one."""
    digit = (_ANY_ASCII_DIGIT if low.isascii() else _ANY_DIGIT).search(low)
    # a number may start with the "." before its first digit
    nums = list(_DIGITS.finditer(low, max(0, digit.start() - 1))) if digit else []
    if tokens is not None and not _may_have_number_words(tokens):
        return nums
    words = list(_WORDS.finditer(low))
    return sorted(nums + words, key=re.Match.start) if words else nums


def find(low: str, tokens: Tokens | None = None) -> list[Value]:
    """Value expressions left to right; each number belongs to at most one. ``tokens``: the text's, when known."""
    nums = _numbers(low, tokens)
    if not nums:
        return []
    out: list[Value] = []
    i = 0
    while i < len(nums):
        m = nums[i]
        start, end = m.start(), m.end()
        v = number(m.group(0))
        i += 1
        if v is None:
            continue
        dec = _DEC_COMMA.match(low, end)
        if dec and "," not in m.group(0) and _unit_at(low, dec.end())[0]:
            v = float(f"{m.group(0)}.{dec.group(1)}")
            end = dec.end()
            while i < len(nums) and nums[i].start() < end:
                i += 1
        val = Value(start, end, None, value=v)
        unit, unit_text, kind, after = _unit_at(low, end)
        if unit:
            val.unit, val.unit_text, val.unit_kind = unit, unit_text, kind
        # range: "18-65 years", "18 years to 65 years", "between 9 and 13 g/dl"
        sep = _RANGE_SEP.match(low, after if unit else end)
        if sep and i < len(nums) and nums[i].start() == sep.end() and not sep.group(1):
            word = sep.group(0).strip().split()[-1]
            v2 = number(nums[i].group(0))
            ranged = word in ("-", "~", "to", "through") or _BETWEEN.search(low[max(0, start - 30):start])
            if v2 is not None and ranged and v2 > v:
                unit2, text2, kind2, after2 = _unit_at(low, nums[i].end())
                val.op, val.low, val.high, val.value = "range", v, v2, None
                if unit2 and unit and unit2 != unit:
                    val.high_unit, val.high_unit_text = unit2, text2
                elif unit2:
                    val.unit, val.unit_text, val.unit_kind = unit2, text2, kind2
                val.end = after2 if unit2 else nums[i].end()
                after = val.end
                i += 1
        if val.op != "range":
            pair = _PAIR.match(low, end)
            if pair and not unit and pair.group(1) == "10":
                val.end = pair.end()          # "pain > 4/10": a score out of 10
                while i < len(nums) and nums[i].start() < val.end:
                    i += 1
                pair = None
            if pair and not unit:
                val.second = float(pair.group(1))
                while i < len(nums) and nums[i].start() < pair.end():
                    i += 1
                unit, unit_text, kind, after = _unit_at(low, pair.end())
                val.unit, val.unit_text, val.unit_kind = unit, unit_text, kind
                after = after if unit else pair.end()
            val.end = after if unit else val.end
        op, op_start = comparators.prefix_at(low, start)
        if op and val.op == "range":
            if op in (">", ">="):       # "> 8 - 40 years": a strict low bound and an inclusive high one
                high = Value(val.end, val.end, "<=", value=val.high, unit=val.high_unit or val.unit,
                             unit_text=val.high_unit_text or val.unit_text, unit_kind=val.unit_kind)
                val.op, val.op_start, val.value, val.low, val.high = op, op_start, val.low, None, None
                out.append(val)
                out.append(high)
                while i < len(nums) and nums[i].start() < val.end:
                    i += 1
                continue
            val.op = "unknown"
        elif op:
            val.op, val.op_start = op, op_start
        elif val.op != "range":
            if low[end:end + 1] == "+" and not unit:      # "18+ years"
                unit, unit_text, kind, after = _unit_at(low, end + 1)
                val.op, val.end = ">=", after if unit else end + 1
                val.unit, val.unit_text, val.unit_kind = unit, unit_text, kind
                out.append(val)
                continue
            filler = _AGE_FILLER.match(low, val.end)
            skip = filler.end() - val.end if filler else 0
            sop, length = comparators.suffix_at(low, val.end + skip)
            if sop:
                val.op = sop
                val.end += skip + length
                if not val.unit:
                    unit, unit_text, kind, after = _unit_at(low, val.end)
                    if unit:
                        val.unit, val.unit_text, val.unit_kind, val.end = unit, unit_text, kind, after
            elif comparators.lost_at(low, start):
                val.op = "unknown"
        out.append(val)
        while i < len(nums) and nums[i].start() < val.end:
            i += 1
    _share_units(low, out)
    return out


def _share_units(low: str, vals: list[Value]) -> None:
    for a, b in zip(vals, vals[1:]):
        if a.unit is None and b.unit and _SHARE.match(low[a.end:b.op_start if b.op_start >= 0 else b.start]):
            a.unit, a.unit_text, a.unit_kind = b.unit, b.unit_text, b.unit_kind
