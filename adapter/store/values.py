"""Normalise FHIR values for the index and for search: text folding, date ranges, age ranges, references."""
from __future__ import annotations

import calendar
import re
import unicodedata
from datetime import datetime, timedelta, timezone

# open ends of ranges (a Period without end, an age range without upper limit)
LOWEST = -1e18
HIGHEST = 1e18

_DATE = re.compile(
    r"^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$")

# UCUM units an age may carry, as a fraction of a year
_YEARS_PER_UNIT = {"a": 1.0, "yr": 1.0, "year": 1.0, "years": 1.0, "mo": 1 / 12, "month": 1 / 12,
                   "months": 1 / 12, "wk": 7 / 365.25, "week": 7 / 365.25, "weeks": 7 / 365.25,
                   "d": 1 / 365.25, "day": 1 / 365.25, "days": 1 / 365.25, "h": 1 / 8766, "min": 1 / 525960}


class BadValue(ValueError):
    """A search value or stored value that does not parse as its type."""


def fold(text: str) -> str:
    """Case- and accent-insensitive form used by string search (FHIR string matching)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).lower().split())


def date_range(text: str) -> tuple[float, float]:
    """The instants [low, high] (epoch seconds, UTC) a FHIR date/dateTime/instant of any precision covers."""
    m = _DATE.match(text.strip()) if isinstance(text, str) else None
    if not m:
        raise BadValue(f"not a FHIR date: {text!r}")
    year, month, day, hour, minute, second, fraction, zone = m.groups()
    try:
        if hour is None:
            y, mo, d = int(year), int(month or 1), int(day or 1)
            start = datetime(y, mo, d, tzinfo=timezone.utc)
            if day:
                end = start + timedelta(days=1)
            elif month:
                end = start + timedelta(days=calendar.monthrange(y, mo)[1])
            else:
                end = datetime(y + 1, 1, 1, tzinfo=timezone.utc)
        else:
            tz = timezone.utc
            if zone and zone != "Z":
                sign = 1 if zone[0] == "+" else -1
                tz = timezone(sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6])))
            start = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0),
                             int(float(fraction or 0) * 1e6), tzinfo=tz)
            end = start + (timedelta(seconds=1) if second and not fraction else
                           timedelta(microseconds=1) if fraction else timedelta(minutes=1))
    except ValueError as exc:
        raise BadValue(f"not a valid date: {text!r}") from exc
    return start.timestamp(), end.timestamp() - 1e-6


def period_range(period: dict) -> tuple[float, float]:
    low = date_range(period["start"])[0] if period.get("start") else LOWEST
    high = date_range(period["end"])[1] if period.get("end") else HIGHEST
    return low, high


def age_years(quantity: dict | None, default: float) -> float:
    """A Quantity of age in years; a missing quantity is the open end ``default``."""
    if not quantity or quantity.get("value") is None:
        return default
    unit = str(quantity.get("code") or quantity.get("unit") or "a").lower()
    return float(quantity["value"]) * _YEARS_PER_UNIT.get(unit, 1.0)


def split_reference(reference: str) -> tuple[str | None, str | None]:
    """``Type/id`` (relative, absolute, or versioned) -> (Type, id); (None, None) when it names no resource."""
    parts = reference.split("/")
    if len(parts) >= 4 and parts[-2] == "_history":
        parts = parts[:-2]
    if len(parts) >= 2 and parts[-2][:1].isupper() and parts[-1]:
        return parts[-2], parts[-1]
    return None, None


def _instant(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def now_instant() -> str:
    """The current time as a FHIR instant with millisecond precision (UTC, the form ``last_updated`` holds)."""
    return _instant(datetime.now(timezone.utc))


def instant_from(text: str) -> str:
    """The start of a FHIR date/dateTime (any precision or zone) in the form ``last_updated`` is stored in,
    so the two compare correctly as text."""
    return _instant(datetime.fromtimestamp(date_range(text)[0], timezone.utc))
