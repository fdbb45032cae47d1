"""Turn a SearchQuery into SQL over the index tables, with keyset (cursor) paging that survives writes.

A page is read in two steps: the keys of the page's rows (pk and sort keys) first, the stored JSON of just
those rows second, so sorting never carries whole resources along. Without ``_sort`` one clause that can list
its matches in pk order (one token, reference or uri value; a ``:contains`` through the FTS table) drives the
query, so the database stops after the page size instead of collecting every match first.
"""
from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass

from sqlalchemy import and_, false, func, not_, or_, select
from sqlalchemy.sql import ColumnElement, FromClause

from adapter.store import fulltext
from adapter.store.index import MAX_STRING, text_param
from adapter.store.query import BadSearch, Clause, SearchQuery
from adapter.store.schema import TABLE_OF_TYPE, idx_string, resources
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


def _token(t: FromClause, value: str) -> ColumnElement:
    if "|" not in value:
        return t.c.code == value
    system, _, code = value.partition("|")
    parts = []
    if code:
        parts.append(t.c.code == code)
    parts.append(t.c.system.is_(None) if system == "" else t.c.system.in_(_system_variants(system)))
    return and_(*parts)


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _string(t: FromClause, value: str, modifier: str | None, dialect: str) -> ColumnElement:
    folded = fold(value)
    if modifier == "exact":
        # the folded column is indexed; the exact one only confirms
        return and_(t.c.folded == folded[:MAX_STRING], t.c.exact == value)
    if modifier == "contains":
        return t.c.folded.like(f"%{_like_escape(folded)}%", escape="\\")
    if dialect == "sqlite":
        # a range keeps SQLite on the index, where LIKE would not be (its LIKE is case-insensitive)
        return and_(t.c.folded >= folded, t.c.folded < folded + "\U0010ffff")
    return t.c.folded.like(f"{_like_escape(folded)}%", escape="\\")


def _prefixed(value: str) -> tuple[str, str]:
    prefix, rest = _PREFIX.fullmatch(value).groups()
    return prefix or "eq", rest


def _date(t: FromClause, value: str) -> ColumnElement:
    prefix, text = _prefixed(value)
    try:
        lo, hi = date_range(text)
    except BadValue as exc:
        raise BadSearch(str(exc)) from None
    low, high = t.c.low, t.c.high
    eq = and_(low >= lo, high <= hi)
    return {"eq": eq, "ne": not_(eq), "gt": high > hi, "lt": low < lo, "ge": high >= lo, "le": low <= hi,
            "sa": low > hi, "eb": high < lo, "ap": and_(low <= hi, high >= lo)}[prefix]


def _number(t: FromClause, value: str) -> ColumnElement:
    """Stored numbers are ranges (a point is low == high): eq means the range includes the value."""
    prefix, text = _prefixed(value)
    try:
        v = float(text)
    except ValueError:
        raise BadSearch(f"not a number: {text!r}") from None
    if v != v or v in (float("inf"), float("-inf")):
        raise BadSearch(f"not a finite number: {text!r}")
    low, high = t.c.low, t.c.high
    eq = and_(low <= v, high >= v)
    return {"eq": eq, "ap": eq, "ne": not_(eq), "gt": high > v, "lt": low < v, "ge": high >= v,
            "le": low <= v, "sa": low > v, "eb": high < v}[prefix]


def _reference(t: FromClause, value: str, modifier: str | None, targets: tuple[str, ...]) -> ColumnElement:
    if value.startswith(("http://", "https://", "urn:")):
        return t.c.url == value
    rtype, _, rid = value.rpartition("/")
    rtype = rtype or modifier or (targets[0] if len(targets) == 1 else None)
    cond = t.c.target_id == rid
    return and_(cond, t.c.target_type == rtype) if rtype else cond


def _value_condition(t: FromClause, clause: Clause, value: str, dialect: str) -> ColumnElement:
    kind = clause.param.type
    if clause.modifier == "text":
        return _string(t, value, None, dialect)
    if kind == "token":
        return _token(t, value)
    if kind == "string":
        return _string(t, value, clause.modifier, dialect)
    if kind == "date":
        return _date(t, value)
    if kind == "number":
        return _number(t, value)
    if kind == "reference":
        return _reference(t, value, clause.modifier, clause.param.target)
    return t.c.value == value


def _table(clause: Clause):
    """The index table of the clause and the parameter name its rows carry."""
    if clause.modifier == "text":
        return idx_string, text_param(clause.param.code)
    return TABLE_OF_TYPE[clause.param.type], clause.param.code


def _uses_fts(clause: Clause, value: str, fts_enabled: bool, dialect: str) -> bool:
    return (clause.modifier == "contains" and fulltext.uses_table(dialect, fts_enabled)
            and len(fold(value)) >= fulltext.MIN_TRIGRAM)


def _matching_pks(clause: Clause, dialect: str, fts_enabled: bool):
    """SELECT of the pks (possibly repeated) of resources with a value matching one of the clause's values."""
    table, param = _table(clause)
    via_fts = [v for v in clause.values if _uses_fts(clause, v, fts_enabled, dialect)]
    by_like = [v for v in clause.values if v not in via_fts]
    parts = [select((fulltext.fts.c.rowid.op(">>")(fulltext.SHIFT)).label("pk")).where(
        fulltext.fts.c.param == param, fulltext.fts.c.folded.match(fulltext.match_query(fold(v))))
        for v in via_fts]
    if by_like:
        parts.append(select(table.c.pk).where(
            table.c.param == param, or_(*[_value_condition(table, clause, v, dialect) for v in by_like])))
    return parts[0] if len(parts) == 1 else parts[0].union_all(*parts[1:])


def clause_condition(clause: Clause, dialect: str, fts_enabled: bool = False) -> ColumnElement:
    """A condition on ``resources.pk`` that holds for resources matching the clause."""
    if clause.modifier == "missing":
        table, param = _table(clause)
        present = resources.c.pk.in_(select(table.c.pk).where(table.c.param == param))
        return not_(present) if clause.values[0] == "true" else present
    matching = resources.c.pk.in_(_matching_pks(clause, dialect, fts_enabled))
    return not_(matching) if clause.modifier == "not" else matching


@dataclass
class _Driver:
    """The clause a search is driven by: index rows whose ``key`` ascends with the resource pk."""
    source: FromClause
    pk: ColumnElement
    key: ColumnElement
    where: list[ColumnElement]
    # several rows may name one resource, so rows are grouped by pk
    repeats: bool
    slots: int = 1

    def beyond(self, pk: int, ascending: bool) -> ColumnElement:
        return self.key >= (pk + 1) * self.slots if ascending else self.key < pk * self.slots


# made once: an alias builds its column collection, which costs more than the rest of a search's SQL
_DRIVER_TABLES = {table.name: table.alias("d") for table in TABLE_OF_TYPE.values()}
_DRIVER_FTS = fulltext.fts.alias("d")


def _driver(clause: Clause, dialect: str, fts_enabled: bool) -> _Driver | None:
    """The clause as a driver when its matches come out of an index in pk order; None when they do not."""
    if len(clause.values) != 1 or clause.modifier in ("missing", "not", "text"):
        return None
    value = clause.values[0]
    table, param = _table(clause)
    if _uses_fts(clause, value, fts_enabled, dialect):
        f = _DRIVER_FTS
        return _Driver(f, f.c.rowid.op(">>")(fulltext.SHIFT), f.c.rowid,
                       [f.c.param == param, f.c.folded.match(fulltext.match_query(fold(value)))], False,
                       fulltext.SLOTS)
    if clause.param.type not in ("token", "reference", "uri"):
        return None
    t = _DRIVER_TABLES[table.name]
    return _Driver(t, t.c.pk, t.c.pk, [t.c.param == param, _value_condition(t, clause, value, dialect)], True)


def _sort_key(code: str, param_type: str, desc: bool) -> ColumnElement:
    table = TABLE_OF_TYPE[param_type]
    column = table.c[{"string": "folded", "token": "code", "uri": "value", "date": "low", "number": "low"}[param_type]]
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

    def __init__(self, query: SearchQuery, registry, dialect: str, fts_enabled: bool = False):
        self.query = query
        self.live = [resources.c.type == query.resource_type, resources.c.deleted == false()]
        clauses = list(query.clauses)
        self.driver = None
        if not query.sort:
            # equality on a token, reference or uri lists fewest rows per match; contains comes after
            ranked = sorted(clauses, key=lambda c: c.param.type not in ("token", "reference", "uri"))
            for clause in ranked:
                self.driver = _driver(clause, dialect, fts_enabled)
                if self.driver is not None:
                    clauses.remove(clause)
                    break
        self.filters = [clause_condition(c, dialect, fts_enabled) for c in clauses]
        self._dialect, self._fts_enabled = dialect, fts_enabled
        params = registry.params(query.resource_type)
        self.keys = [(_sort_key(code, params[code].type, desc), desc) for code, desc in query.sort]

    def count_statement(self):
        where = self.live + [clause_condition(c, self._dialect, self._fts_enabled) for c in self.query.clauses]
        return select(func.count()).select_from(resources).where(*where)

    def page_statement(self, limit: int):
        """Rows of the page (one extra to tell whether another follows) and the direction read."""
        keys, direction, cursor = self.keys, "next", None
        if self.query.cursor:
            values, pk, direction = decode_cursor(self.query.cursor, len(keys))
            if direction == "prev":
                # read backwards from the cursor, then the caller reverses the rows
                keys = [(k, not d) for k, d in keys]
            cursor = (values, pk)
        ascending = direction == "next"
        page = self._driven(limit, ascending, cursor) if self.driver else self._sorted(limit, keys, ascending,
                                                                                       cursor)
        order = [page.c[f"k{i}"].desc() if d else page.c[f"k{i}"].asc() for i, (_, d) in enumerate(keys)]
        order.append(page.c.pk.asc() if ascending else page.c.pk.desc())
        columns = [resources.c.pk, resources.c.type, resources.c.res_id, resources.c.content]
        columns += [page.c[f"k{i}"] for i in range(len(keys))]
        stmt = select(*columns).select_from(page.join(resources, resources.c.pk == page.c.pk)).order_by(*order)
        return stmt, direction

    def _sorted(self, limit: int, keys, ascending: bool, cursor):
        where = self.live + self.filters
        if cursor:
            where.append(_beyond(keys, cursor[0], cursor[1], pk_ascending=ascending))
        order = [k.desc() if d else k.asc() for k, d in keys]
        order.append(resources.c.pk.asc() if ascending else resources.c.pk.desc())
        columns = [resources.c.pk] + [k.label(f"k{i}") for i, (k, _) in enumerate(keys)]
        return select(*columns).where(*where).order_by(*order).limit(limit).subquery("page")

    def _driven(self, limit: int, ascending: bool, cursor):
        d = self.driver
        where = self.live + self.filters + d.where
        if cursor:
            where.append(d.beyond(cursor[1], ascending))
        stmt = (select(d.pk.label("pk")).select_from(d.source.join(resources, resources.c.pk == d.pk))
                .where(*where))
        if d.repeats:
            stmt = stmt.group_by(d.key)
        return stmt.order_by(d.key.asc() if ascending else d.key.desc()).limit(limit).subquery("page")
