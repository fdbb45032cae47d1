"""Read dosing schedules and assessment time frames from registry free text into structured repeats."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

_WORDS = {"one": 1, "once": 1, "two": 2, "twice": 2, "three": 3, "thrice": 3, "four": 4, "five": 5, "six": 6,
          "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}
_UNITS = {"day": "d", "days": "d", "week": "wk", "weeks": "wk", "month": "mo", "months": "mo", "year": "a",
          "years": "a", "hour": "h", "hours": "h"}
_N = r"(\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
_U = r"(days?|weeks?|months?|years?|hours?)"


def _num(token: str) -> int:
    return int(token) if token.isdigit() else _WORDS[token.casefold()]


@dataclass(frozen=True)
class Repeat:
    """A FHIR Timing.repeat in version-free form: ``frequency`` times per ``period`` ``period_unit``."""
    frequency: int = 1
    period: float = 1
    period_unit: str = "d"
    count: int | None = None
    bounds_value: float | None = None
    bounds_unit: str | None = None


@dataclass(frozen=True)
class Schedule:
    """When an intervention is given: daily doses (``doses``), optionally inside repeated cycles (``cycles``)."""
    doses: Repeat | None = None
    cycles: Repeat | None = None


_CONSECUTIVE_DAYS = re.compile(rf"\b(?:for\s+)?{_N}\s+consecutive\s+days\b", re.I)
_DAY_RANGE = re.compile(r"\bfrom\s+day[\s-]*(\d+)\s+to\s+day[\s-]*(\d+)\b", re.I)
_CONSECUTIVE_CYCLES = re.compile(rf"\b(?:at\s+the\s+(?:beginning|start)\s+of\s+)?{_N}\s+consecutive\s+{_U}", re.I)
_EVERY_OTHER = re.compile(r"\b(?:every\s+other\s+day|on\s+alternate\s+days|every\s+second\s+day)\b", re.I)
_EVERY_N = re.compile(rf"\b(?:once\s+)?every\s+{_N}\s+{_U}", re.I)
_TIMES_PER = re.compile(rf"\b{_N}\s*(?:times?\s+)?(?:a|per|each)\s+(day|week|month)\b|\b(once|twice|thrice)\s+"
                        r"(daily|weekly|monthly)\b", re.I)
_DAILY = re.compile(r"\b(?:daily|per\s+day|a\s+day|each\s+day|every\s+day|/d(?:ay)?)\b", re.I)
_FOR_COUNT = re.compile(rf"\bfor\s+{_N}\s+times\b|\b{_N}\s+times\s+in\s+total\b|\ba\s+total\s+of\s+(\d+)\s+"
                        r"(?:injections|doses|infusions|administrations)\b", re.I)
_FOR_DURATION = re.compile(rf"\bfor\s+{_N}\s+{_U}\b", re.I)
# every dose pattern above needs one of these words: text with none of them states no schedule
_DOSE_WORDS = ("day", "daily", "week", "month", "every", "alternate", "consecutive", "/d")


# registry texts repeat (an arm's description is read for each of its interventions, time frames such as
# "12 weeks" recur across studies): the parsers are pure and their results immutable, so they are cached
_CACHED = lru_cache(maxsize=1024)


@_CACHED
def parse_schedule(text: str | None) -> Schedule | None:
    """The schedule a text states ("5 consecutive days at the start of three consecutive months"), or None."""
    if not text:
        return None
    low = text.lower()
    if not any(w in low for w in _DOSE_WORDS):
        return None
    doses = cycles = None
    consecutive, every = "consecutive" in low, "every" in low
    if consecutive and (m := _CONSECUTIVE_DAYS.search(text)):
        doses = Repeat(count=_num(m.group(1)))
    elif "from" in low and (m := _DAY_RANGE.search(text)):
        first, last = int(m.group(1)), int(m.group(2))
        if last >= first:
            doses = Repeat(count=last - first + 1)
    elif (every or "alternate" in low) and _EVERY_OTHER.search(text):
        doses = Repeat(period=2)
    elif every and (m := _EVERY_N.search(text)):
        doses = Repeat(period=_num(m.group(1)), period_unit=_UNITS[m.group(2).casefold()])
    elif m := _TIMES_PER.search(text):
        if m.group(1):
            doses = Repeat(frequency=_num(m.group(1)), period_unit=_UNITS[m.group(2).casefold() + "s"])
        else:
            unit = {"daily": "d", "weekly": "wk", "monthly": "mo"}[m.group(4).casefold()]
            doses = Repeat(frequency=_num(m.group(3)), period_unit=unit)
    elif _DAILY.search(text):
        doses = Repeat()
    if doses is None:
        return None
    for m in _CONSECUTIVE_CYCLES.finditer(text) if consecutive else ():
        unit = _UNITS[m.group(2).casefold()]
        if unit != "d":
            cycles = Repeat(period_unit=unit, count=_num(m.group(1)))
            break
    counted = "times" in low or "total" in low
    if cycles is None and doses.count is None and counted and (m := _FOR_COUNT.search(text)):
        doses = replace(doses, count=_num(next(g for g in m.groups() if g)))
    if cycles is None and doses.count is None and (m := _FOR_DURATION.search(text)):
        doses = replace(doses, bounds_value=_num(m.group(1)), bounds_unit=_UNITS[m.group(2).casefold()])
    return Schedule(doses=doses, cycles=cycles)


@dataclass(frozen=True)
class TimePoint:
    """A time relative to the start of the study (``week 24``, ``90 days``)."""
    value: float
    unit: str


_POINT_UNIT_FIRST = re.compile(r"\b(day|week|month|year|hour)s?\s*[-]?\s*(\d+(?:\.\d+)?)\b", re.I)
_POINT_NUMBER_FIRST = re.compile(rf"\b(\d+(?:\.\d+)?|{_N[1:-1]})\s*-?\s*{_U}\b", re.I)


@_CACHED
def parse_time_frame(text: str | None) -> tuple[TimePoint, ...]:
    """The time points of an outcome's time frame ("week 0, week 24 and week 48", "up to 90 days")."""
    if not text:
        return ()
    points: list[TimePoint] = []
    for m in _POINT_UNIT_FIRST.finditer(text):
        points.append(TimePoint(float(m.group(2)), _UNITS[m.group(1).casefold() + "s"]))
    if not points:
        for m in _POINT_NUMBER_FIRST.finditer(text):
            token = m.group(1)
            value = float(token) if token[0].isdigit() else float(_WORDS[token.casefold()])
            points.append(TimePoint(value, _UNITS[m.group(2).casefold()]))
    seen, unique = set(), []
    for p in points:
        if (p.value, p.unit) not in seen:
            seen.add((p.value, p.unit))
            unique.append(p)
    return tuple(unique)
