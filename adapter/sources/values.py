"""Parse the values registries write as text: dates, age limits, yes/no, counts, escaped markdown."""
from __future__ import annotations

import re
from datetime import date

from ..record import Age

_MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"], start=1)}
_MONTHS.update({name[:3]: i for name, i in list(_MONTHS.items())})
_MONTHS["sept"] = 9

_ISO = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
_MONTH_DAY_YEAR = re.compile(r"([A-Za-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})")
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})\s+([A-Za-z]+)\.?,?\s+(\d{4})")
_MONTH_YEAR = re.compile(r"([A-Za-z]+)\.?,?\s+(\d{4})")


def parse_date(text: str) -> str:
    """ISO 8601 date at the source's precision: "2015-09", "December 31, 2022", "15 October 2025", "May 2026".

    Raises ValueError for anything that is not a real calendar date.
    """
    t = text.strip()
    m = _ISO.fullmatch(t)
    if m:
        year, month, day = m.groups()
        return _iso(int(year), int(month) if month else None, int(day) if day else None, text)
    for pattern, order in ((_MONTH_DAY_YEAR, "mdy"), (_DAY_MONTH_YEAR, "dmy"), (_MONTH_YEAR, "my")):
        m = pattern.fullmatch(t)
        if not m:
            continue
        parts = dict(zip(order, m.groups()))
        month = _MONTHS.get(parts["m"].casefold())
        if month is None:
            break
        return _iso(int(parts["y"]), month, int(parts["d"]) if "d" in parts else None, text)
    raise ValueError(f"not a date: {text!r}")


def _iso(year: int, month: int | None, day: int | None, text: str) -> str:
    try:
        value = date(year, month or 1, day or 1)
    except ValueError:
        raise ValueError(f"not a calendar date: {text!r}") from None
    # the date's own ISO text, cut to the source's precision
    return value.isoformat()[:4 if month is None else 7 if day is None else 10]


_AGE_UNITS = {"year": "a", "years": "a", "yr": "a", "yrs": "a", "y": "a",
              "month": "mo", "months": "mo", "mo": "mo", "mos": "mo",
              "week": "wk", "weeks": "wk", "wk": "wk", "wks": "wk",
              "day": "d", "days": "d", "hour": "h", "hours": "h", "minute": "min", "minutes": "min"}
_AGE = re.compile(r"(\d+(?:\.\d+)?)\s*([A-Za-z]+)?")
_NO_LIMIT = {"", "n/a", "na", "none", "no limit", "not applicable", "no maximum", "no minimum"}


def parse_age(text: str | None) -> Age | None:
    """Age limit from "18 Years", "6 Months", "N/A" (no limit: None). Raises ValueError for anything else."""
    if text is None or text.strip().casefold() in _NO_LIMIT:
        return None
    m = _AGE.fullmatch(text.strip())
    if not m:
        raise ValueError(f"not an age: {text!r}")
    value, unit = m.groups()
    ucum = _AGE_UNITS.get((unit or "years").casefold())
    if ucum is None:
        raise ValueError(f"unknown age unit in {text!r}")
    number = float(value)
    return Age(int(number) if number.is_integer() else number, ucum)


def parse_bool(text: str | None) -> bool | None:
    """Registry yes/no ("Yes", "No", "Accepts Healthy Volunteers", "true"); None when absent or unclear."""
    if text is None:
        return None
    t = text.strip().casefold()
    if t in {"yes", "y", "true", "accepts healthy volunteers"}:
        return True
    if t in {"no", "n", "false"}:
        return False
    return None


def parse_count(text: str) -> int:
    """A whole count such as an enrollment ("36", "1,200", "36 participants"). Raises ValueError otherwise."""
    m = re.fullmatch(r"(\d[\d,]*)(?:\s+\w+)?", text.strip())
    if not m:
        raise ValueError(f"not a count: {text!r}")
    return int(m.group(1).replace(",", ""))


_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>=~|^])")


def unescape_markdown(text: str | None) -> str | None:
    r"""Undo ClinicalTrials.gov's markdown escaping (``\>=`` -> ``>=``, ``\<`` -> ``<``)."""
    if text is None or "\\" not in text:
        return text
    # the pieces around the escapes and, between them, each escaped character (the group): one C join instead of
    # sub()'s template expanded in Python at each escape
    return "".join(_MD_ESCAPE.split(text))


def clean(text: str | None) -> str | None:
    """Collapse a text's surrounding white space; None for blank text."""
    if text is None:
        return None
    text = text.strip()
    return text or None
