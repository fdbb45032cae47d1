"""Time windows relative to enrolment: "within the last 6 weeks", "in the past 30 days", "3 months prior to screening"."""
from __future__ import annotations

import re

from . import rx
from .model import Duration
from .values import WORD_NUMBERS, Value, number

_UNIT = r"(?P<unit>years?|yrs?|months?|mos?|weeks?|wks?|days?|hours?|hrs?|h|d)"
_NUM = r"(?P<num>\d+(?:\.\d+)?|" + "|".join(WORD_NUMBERS) + r"|a|one)"
# _BEFORE and _SINCE_BEFORE start with a letter rather than a \b, so a search skips to one
_BEFORE = re.compile("(?:" + rx.words(["within", "in", "during", "over", "for"]) + r")\s+(?:the\s+)?"
                     r"(?:last|past|previous|preceding|prior|recent|first)?\s*(?:\(?" + _NUM + r"\)?\s*)?$")
_AFTER = re.compile(r"^\s*(?:\)\s*)?(?:prior\s+to|before|preceding|of(?!\s+age)(?!\s+life)(?!\s+gestation)|ago|since|from|after|following|post\b|post-|"
                    r"(?:immediately\s+)?before)\b")
_STANDALONE_CUES = [r"within", r"in\s+the\s+(?:last|past|previous)", r"during\s+the\s+(?:last|past|previous)",
                    r"over\s+the\s+(?:last|past|previous)"]
_STANDALONE = re.compile(r"(?:" + rx.words(_STANDALONE_CUES) + r")\s+(?:the\s+)?(?:last\s+|past\s+|previous\s+)?"
                         r"(?:(?P<num>\d+(?:\.\d+)?|" + "|".join(WORD_NUMBERS) + r")\s*)?" + _UNIT + r"\b")
_PRIOR = re.compile(r"\b(?P<num>\d+(?:\.\d+)?|" + "|".join(WORD_NUMBERS) + r")\s*" + _UNIT +
                    r"\s+(?:prior\s+to|before|preceding)\b")
_SINCE_BEFORE = re.compile("(?:" + rx.words(["within", "during", "for", "since", "after"]) + r")\s+(?:the\s+)?"
                           r"(?:last|past|previous)?\s*$")
_UCUM = {"y": "a", "m": "mo", "w": "wk", "d": "d", "h": "h"}


def _ucum(unit: str) -> str:
    u = unit.lower()
    if u.startswith("mo"):
        return "mo"
    return _UCUM.get(u[0], "d")


def is_window(low: str, v: Value) -> bool:
    """A time value that places something in time ("within 30 days", "6 months prior to") rather than measures it."""
    if v.unit_kind != "time" or v.op == "range":
        return False
    before = low[max(0, (v.op_start if v.op_start >= 0 else v.start) - 40):v.op_start if v.op_start >= 0 else v.start]
    return bool(_BEFORE.search(before) or _SINCE_BEFORE.search(before) or _AFTER.match(low[v.end:v.end + 30]))


def windows(low: str) -> list[tuple[int, Duration]]:
    """(position, Duration) of every explicit window in the text."""
    out = []
    # each pattern needs a word of its own: most criteria have none of them and are spared the scan
    standalone = "within" in low or ("the" in low and ("last" in low or "past" in low or "previous" in low))
    for m in _STANDALONE.finditer(low) if standalone else ():
        value = number(m.group("num")) if m.group("num") else 1.0
        if value is not None:
            out.append((m.start(), Duration(value, _ucum(m.group("unit")), m.group(0))))
    prior = "prior" in low or "before" in low or "preceding" in low
    for m in _PRIOR.finditer(low) if prior else ():
        value = number(m.group("num"))
        if value is not None and not any(abs(p - m.start()) < 20 for p, _ in out):
            out.append((m.start(), Duration(value, _ucum(m.group("unit")), m.group(0))))
    return sorted(out, key=lambda x: x[0])
