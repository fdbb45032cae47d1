"""Read the route and the dose of an intervention from registry free text."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

_TABLE = Path(__file__).resolve().parents[2] / "mappings" / "routes.json"
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class Route:
    code: str
    display: str
    system: str


@dataclass(frozen=True)
class Dose:
    value: float
    # UCUM code, and the unit as the text wrote it
    unit: str
    text: str


@cache
def _tables():
    raw = json.loads(_TABLE.read_text(encoding="utf-8"))
    words = sorted(((w, Route(r["code"], r["display"], raw["system"])) for r in raw["routes"].values()
                    for w in r["words"]), key=lambda pair: -len(pair[0]))
    route_re = re.compile(r"(?<![\w.])(" + "|".join(re.escape(w) for w, _ in words) + r")(?![\w])", re.I)
    units = {k.casefold(): v for k, v in raw["dose_units"].items() if k != "description"}
    unit_alt = "|".join(re.escape(u) for u in sorted(units, key=len, reverse=True))
    # a number after "/", "*" or "x" belongs to a ratio or a power of ten ("5x10*7/10ml"): not a dose
    dose_re = re.compile(rf"(?<![\w./*\u00d7])(\d+(?:\.\d+)?)\s*({unit_alt})(?![\w])", re.I)
    return {w.casefold(): r for w, r in words}, route_re, units, dose_re


# an arm's description is read again for each of its interventions: pure parsers, immutable results, cached
@lru_cache(maxsize=1024)
def parse_route(text: str | None) -> Route | None:
    """The first route the text names ("sub-cutaneous injections" -> subcutaneous), or None."""
    if not text:
        return None
    routes, route_re, _, _ = _tables()
    # the pattern tries every position; most texts name no route at all, which substrings tell far sooner
    folded = text.casefold()
    if not any(word in folded for word in routes):
        return None
    m = route_re.search(text)
    return routes[m.group(1).casefold()] if m else None


@lru_cache(maxsize=1024)
def parse_dose(text: str | None) -> Dose | None:
    """The first amount with a dose unit ("1.0 MIU of IL-2", "3 mg/kg"), or None."""
    if not text:
        return None
    _, _, units, dose_re = _tables()
    m = dose_re.search(text) if _DIGIT.search(text) else None
    # "mIU" is milli-IU to UCUM but million IU to many registry authors: too ambiguous to read
    if not m or m.group(2) == "mIU":
        return None
    value = float(m.group(1))
    return Dose(int(value) if value.is_integer() else value, units[m.group(2).casefold()], m.group(2))
