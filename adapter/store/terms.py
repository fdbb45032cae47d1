"""Split a search value into its form (what the SQL matching it looks like) and the values that SQL binds.

The SQL of a search is built from forms alone and compiled once per form, so everything about a value that
changes the SQL (a token's system or none, a date's prefix, a substring long enough for the trigram index)
goes into the form, and everything else is a bound value.
"""
from __future__ import annotations

import re

from adapter.store import fulltext
from adapter.store.index import MAX_STRING
from adapter.store.query import BadSearch, Clause
from adapter.store.values import BadValue, date_range, fold

_PREFIX = re.compile(r"(eq|ne|gt|lt|ge|le|sa|eb|ap)?(.*)", re.DOTALL)


def system_variants(system: str) -> list[str]:
    """The identifier systems treated as one (http/https and a trailing slash, e.g. clinicaltrials.gov)."""
    bare = system.rstrip("/")
    out = {system, bare, bare + "/"}
    for a, b in (("http://", "https://"), ("https://", "http://")):
        if bare.startswith(a):
            out |= {b + bare[len(a):], b + bare[len(a):] + "/"}
    return sorted(out)


def like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def term(clause: Clause, value: str, dialect: str, fts_enabled: bool) -> tuple[tuple, list]:
    """(form, bound values) of one value of a clause; BadSearch when the value does not parse."""
    kind, modifier = clause.param.type, clause.modifier
    if modifier == "missing":
        return ("missing", value == "true"), []
    if modifier == "text":
        return _string(value, None, dialect)
    if modifier == "contains" and fulltext.uses_table(dialect, fts_enabled):
        folded = fold(value)
        if len(folded) >= fulltext.MIN_TRIGRAM:
            return ("fts",), [fulltext.match_query(folded)]
    if kind == "token":
        return _token(value)
    if kind == "string":
        return _string(value, modifier, dialect)
    if kind == "date":
        return _date(value)
    if kind == "number":
        return _number(value)
    if kind == "reference":
        return _reference(value, modifier, clause.param.target)
    return ("uri",), [value]


def _token(value: str) -> tuple[tuple, list]:
    if "|" not in value:
        return ("code",), [value]
    system, _, code = value.partition("|")
    systems = [] if system == "" else system_variants(system)
    # no systems: the token is "|code", a code without a system
    return ("system", bool(code), len(systems)), ([code] if code else []) + systems


def _string(value: str, modifier: str | None, dialect: str) -> tuple[tuple, list]:
    folded = fold(value)
    if modifier == "exact":
        # the folded column is indexed; the exact one only confirms
        return ("exact",), [folded[:MAX_STRING], value]
    if modifier == "contains":
        return ("like",), [f"%{like_escape(folded)}%"]
    if dialect == "sqlite":
        # a range keeps SQLite on the index, where LIKE would not be (its LIKE is case-insensitive)
        return ("range",), [folded, folded + "\U0010ffff"]
    return ("like",), [f"{like_escape(folded)}%"]


def _prefixed(value: str) -> tuple[str, str]:
    prefix, rest = _PREFIX.fullmatch(value).groups()
    return prefix or "eq", rest


def _date(value: str) -> tuple[tuple, list]:
    prefix, text = _prefixed(value)
    try:
        low, high = date_range(text)
    except BadValue as exc:
        raise BadSearch(str(exc)) from None
    return ("date", prefix), [low, high]


def _number(value: str) -> tuple[tuple, list]:
    prefix, text = _prefixed(value)
    try:
        number = float(text)
    except ValueError:
        raise BadSearch(f"not a number: {text!r}") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise BadSearch(f"not a finite number: {text!r}")
    return ("number", prefix), [number]


def _reference(value: str, modifier: str | None, targets: tuple[str, ...]) -> tuple[tuple, list]:
    if value.startswith(("http://", "https://", "urn:")):
        return ("url",), [value]
    rtype, _, rid = value.rpartition("/")
    rtype = rtype or modifier or (targets[0] if len(targets) == 1 else None)
    return ("reference", bool(rtype)), [rid] + ([rtype] if rtype else [])
