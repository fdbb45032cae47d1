"""Turn a SearchQuery into SQL over the index tables, with keyset (cursor) paging that survives writes."""
from __future__ import annotations

import base64
import json
import re

from sqlalchemy import and_, false, func, not_, or_, select
from sqlalchemy.sql import ColumnElement

from adapter.store.query import BadSearch, Clause, SearchQuery
from adapter.store.schema import TABLE_OF_TYPE, idx_range, idx_reference, idx_string, idx_token, idx_uri, resources
from adapter.store.values import BadValue, date_range, fold

_PREFIX = re.compile(r"(eq|ne|gt|lt|ge|le|sa|eb|ap)?(.*)", re.DOTALL)
# sort keys that are NULL (the resource has no value) sort as these, so a cursor can compare them
_NO_TEXT = ""
_NO_NUMBER = -1e300


def _system_variants(system: str) -> list[str]:
    """The identifier systems treated as one (http/https and a trailing slash, e.g. clinicaltrials.gov)."""
    bare = system.rstrip("/")
    out = {system, bare, bare + "/"}
    for a, b in (("http://", "https://"), ("https://", "http://")):
        if bare.startswith(a):
            out |= {b + bare[len(a):], b + bare[len(a):] + "/"}
    return sorted(out)


def _token(value: str) -> ColumnElement:
    if "|" not in value:
        return idx_token.c.code == value
    system, _, code = value.partition("|")
    parts = []
    if code:
        parts.append(idx_token.c.code == code)
    parts.append(idx_token.c.system.is_(None) if system == "" else idx_token.c.system.in_(_system_variants(system)))
    return and_(*parts)


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _string(value: str, modifier: str | None, dialect: str) -> ColumnElement:
    if modifier == "exact":
        return idx_string.c.exact == value
    folded = fold(value)
    if modifier == "contains":
        return idx_string.c.folded.like(f"%{_like_escape(folded)}%", escape="\\")
    if dialect == "sqlite":
        # a range keeps SQLite on the index, where LIKE would not be (its LIKE is case-insensitive)
        return and_(idx_string.c.folded >= folded, idx_string.c.folded < folded + "\U0010ffff")
    return idx_string.c.folded.like(f"{_like_escape(folded)}%", escape="\\")


def _prefixed(value: str) -> tuple[str, str]:
    prefix, rest = _PREFIX.fullmatch(value).groups()
    return prefix or "eq", rest


def _date(value: str) -> ColumnElement:
    prefix, text = _prefixed(value)
    try:
        lo, hi = date_range(text)
    except BadValue as exc:
        raise BadSearch(str(exc)) from None
    low, high = idx_range.c.low, idx_range.c.high
    eq = and_(low >= lo, high <= hi)
    return {"eq": eq, "ne": not_(eq), "gt": high > hi, "lt": low < lo, "ge": high >= lo, "le": low <= hi,
            "sa": low > hi, "eb": high < lo, "ap": and_(low <= hi, high >= lo)}[prefix]


def _number(value: str) -> ColumnElement:
    """Stored numbers are ranges (a point is low == high): eq means the range includes the value."""
    prefix, text = _prefixed(value)
    try:
        v = float(text)
    except ValueError:
        raise BadSearch(f"not a number: {text!r}") from None
    if v != v or v in (float("inf"), float("-inf")):
        raise BadSearch(f"not a finite number: {text!r}")
    low, high = idx_range.c.low, idx_range.c.high
    eq = and_(low <= v, high >= v)
    return {"eq": eq, "ap": eq, "ne": not_(eq), "gt": high > v, "lt": low < v, "ge": high >= v,
            "le": low <= v, "sa": low > v, "eb": high < v}[prefix]


def _reference(value: str, modifier: str | None, targets: tuple[str, ...]) -> ColumnElement:
    if value.startswith(("http://", "https://", "urn:")):
        return idx_reference.c.url == value
    rtype, _, rid = value.rpartition("/")
    rtype = rtype or modifier or (targets[0] if len(targets) == 1 else None)
    cond = idx_reference.c.target_id == rid
    return and_(cond, idx_reference.c.target_type == rtype) if rtype else cond


def _value_condition(clause: Clause, value: str, dialect: str) -> ColumnElement:
    kind = clause.param.type
    if kind == "token":
        return _token(value)
    if kind == "string":
        return _string(value, clause.modifier, dialect)
    if kind == "date":
        return _date(value)
    if kind == "number":
        return _number(value)
    if kind == "reference":
        return _reference(value, clause.modifier, clause.param.target)
    return idx_uri.c.value == value


def clause_condition(clause: Clause, dialect: str) -> ColumnElement:
    """A condition on ``resources.pk`` that holds for resources matching the clause."""
    table = TABLE_OF_TYPE[clause.param.type]
    has_param = table.c.param == clause.param.code
    if clause.modifier == "missing":
        present = resources.c.pk.in_(select(table.c.pk).where(has_param))
        return not_(present) if clause.values[0] == "true" else present
    matches = or_(*[_value_condition(clause, v, dialect) for v in clause.values])
    subquery = select(table.c.pk).where(has_param, matches)
    return not_(resources.c.pk.in_(subquery)) if clause.modifier == "not" else resources.c.pk.in_(subquery)


def _sort_key(code: str, param_type: str, desc: bool) -> ColumnElement:
    table = TABLE_OF_TYPE[param_type]
    column = {"string": idx_string.c.folded, "token": idx_token.c.code, "uri": idx_uri.c.value,
              "date": idx_range.c.low, "number": idx_range.c.low}[param_type]
    agg = func.max(column) if desc else func.min(column)
    key = select(agg).where(table.c.pk == resources.c.pk, table.c.param == code).scalar_subquery()
    return func.coalesce(key, _NO_NUMBER if param_type in ("date", "number") else _NO_TEXT)


def encode_cursor(values: list, pk: int, direction: str) -> str:
    raw = json.dumps({"v": values, "pk": pk, "d": direction}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str, n_keys: int) -> tuple[list, int, str]:
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        values, pk, direction = data["v"], int(data["pk"]), data["d"]
        if not isinstance(values, list) or len(values) != n_keys or direction not in ("next", "prev"):
            raise ValueError
    except (ValueError, TypeError, KeyError, AttributeError):
        raise BadSearch("_cursor is not a cursor this server issued for this search") from None
    return values, pk, direction


def _beyond(keys: list[tuple[ColumnElement, bool]], values: list, pk: int, pk_ascending: bool) -> ColumnElement:
    """Rows strictly after (values, pk) in the order given by the keys, then by pk."""
    alternatives = []
    for i, (key, desc) in enumerate(keys):
        earlier = [k == v for (k, _), v in zip(keys[:i], values[:i])]
        alternatives.append(and_(*earlier, key < values[i] if desc else key > values[i]))
    tie = resources.c.pk > pk if pk_ascending else resources.c.pk < pk
    alternatives.append(and_(*[k == v for (k, _), v in zip(keys, values)], tie))
    return or_(*alternatives)


class SearchPlan:
    """The SQL of one search: filter, order and the page selected by a cursor."""

    def __init__(self, query: SearchQuery, registry, dialect: str):
        self.query = query
        self.filters = [resources.c.type == query.resource_type, resources.c.deleted == false()]
        self.filters += [clause_condition(c, dialect) for c in query.clauses]
        params = registry.params(query.resource_type)
        self.keys = [(_sort_key(code, params[code].type, desc), desc) for code, desc in query.sort]

    def count_statement(self):
        return select(func.count()).select_from(resources).where(*self.filters)

    def page_statement(self, limit: int):
        """Rows of the page (one extra to tell whether another follows) and the direction read."""
        where = list(self.filters)
        keys = self.keys
        direction = "next"
        if self.query.cursor:
            values, pk, direction = decode_cursor(self.query.cursor, len(keys))
            if direction == "prev":
                # read backwards from the cursor, then the caller reverses the rows
                keys = [(k, not d) for k, d in keys]
            where.append(_beyond(keys, values, pk, pk_ascending=direction == "next"))
        order = [k.desc() if d else k.asc() for k, d in keys]
        order.append(resources.c.pk.desc() if direction == "prev" else resources.c.pk.asc())
        columns = [resources.c.pk, resources.c.type, resources.c.res_id, resources.c.content]
        columns += [k.label(f"k{i}") for i, (k, _) in enumerate(keys)]
        return select(*columns).where(*where).order_by(*order).limit(limit), direction
