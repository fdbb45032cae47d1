"""Turn a SearchQuery into SQL over the index tables, with keyset (cursor) paging that survives writes.

A search is split into its shape (resource type; each clause's parameter, modifier and value forms; the sort;
the paging direction) and the values bound into it. The SQL is built from the shape alone, so it is built and
compiled once per shape and every later search of that shape only binds its values.

A page is read in two steps: the keys of the page's rows (pk and sort keys) first, the stored JSON of just
those rows second, so sorting never carries whole resources along. Without ``_sort`` one clause that can list
its matches in pk order (one token, reference or uri value; a ``:contains`` through the FTS table) drives the
query, so the database stops after the page size instead of collecting every match first.
"""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field

from sqlalchemy import and_, bindparam, false, func, not_, or_, select
from sqlalchemy.sql import ColumnElement, FromClause

from adapter.store import fulltext
from adapter.store.index import text_param
from adapter.store.query import BadSearch, SearchQuery
from adapter.store.schema import TABLE_OF_TYPE, idx_string, resources
from adapter.store.searchparams import SearchParam, SearchParamRegistry
from adapter.store.terms import term
from adapter.store.utf8 import utf8

# sort keys that are NULL (the resource has no value) sort as these, so a cursor can compare them
_NO_TEXT = ""
_NO_NUMBER = -1e300
_NUMERIC = ("date", "number")
# a cursor's pk, times the FTS rowid slots, must stay a 64-bit integer
_MAX_PK = 2 ** 62 // fulltext.SLOTS
LIMIT = "limit"


@dataclass(frozen=True)
class ClauseShape:
    """One clause without its values: ``terms`` holds each value's form and how many values it binds."""
    at: int
    code: str
    modifier: str | None
    terms: tuple[tuple[tuple, int], ...]
    param: SearchParam = field(compare=False)

    def binds(self, j: int) -> list:
        _, arity = self.terms[j]
        return [bindparam(bind_name(self.at, j, k)) for k in range(arity)]


@dataclass(frozen=True)
class SearchShape:
    """What the SQL of a search depends on; ``sort`` is (code, type, descending), ``direction`` the cursor's."""
    resource_type: str
    clauses: tuple[ClauseShape, ...]
    sort: tuple[tuple[str, str, bool], ...]
    direction: str | None


def bind_name(clause: int, value: int, k: int) -> str:
    return f"c{clause}_{value}_{k}"


def shape_of(query: SearchQuery, registry: SearchParamRegistry, dialect: str,
             fts_enabled: bool) -> tuple[SearchShape, dict]:
    """The shape of a search and the values it binds (the page size excepted)."""
    values: dict = {}
    clauses = []
    for i, clause in enumerate(query.clauses):
        terms = []
        for j, value in enumerate(clause.values):
            form, bound = term(clause, value, dialect, fts_enabled)
            terms.append((form, len(bound)))
            values.update((bind_name(i, j, k), v) for k, v in enumerate(bound))
        clauses.append(ClauseShape(i, clause.param.code, clause.modifier, tuple(terms), clause.param))
    params = registry.params(query.resource_type)
    sort = tuple((code, params[code].type, desc) for code, desc in query.sort)
    direction = None
    if query.cursor:
        keys, pk, direction = decode_cursor(query.cursor, [kind for _, kind, _ in sort])
        values.update((f"cursor{i}", v) for i, v in enumerate(keys))
        values["cursor_pk"] = pk
    return SearchShape(query.resource_type, tuple(clauses), sort, direction), values


def encode_cursor(values: list, pk: int, direction: str) -> str:
    raw = json.dumps({"v": values, "pk": pk, "d": direction}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _fits(value, kind: str) -> bool:
    if kind in _NUMERIC:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, str)


def decode_cursor(token: str, kinds: list[str]) -> tuple[list, int, str]:
    """Sort key values, pk and direction of a cursor over sort keys of the given parameter types."""
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        values, pk, direction = data["v"], int(data["pk"]), data["d"]
        if (not isinstance(values, list) or len(values) != len(kinds) or direction not in ("next", "prev")
                or not 0 <= pk <= _MAX_PK or not all(_fits(v, k) for v, k in zip(values, kinds))):
            raise ValueError
    except (ValueError, TypeError, KeyError, AttributeError):
        raise BadSearch("_cursor is not a cursor this server issued for this search") from None
    return values, pk, direction


# ---- SQL from a shape -----------------------------------------------------------------------------

def _token(t: FromClause, form: tuple, b: list) -> ColumnElement:
    if form[0] == "code":
        return t.c.code == b[0]
    _, has_code, systems = form
    parts = [t.c.code == b[0]] if has_code else []
    parts.append(t.c.system.in_(b[-systems:]) if systems else t.c.system.is_(None))
    return and_(*parts)


def _string(t: FromClause, form: tuple, b: list) -> ColumnElement:
    if form[0] == "exact":
        return and_(t.c.folded == b[0], t.c.exact == b[1])
    if form[0] == "like":
        return t.c.folded.like(b[0], escape="\\")
    return and_(t.c.folded >= b[0], t.c.folded < b[1])


def _date(t: FromClause, prefix: str, lo, hi) -> ColumnElement:
    low, high = t.c.low, t.c.high
    eq = and_(low >= lo, high <= hi)
    return {"eq": eq, "ne": not_(eq), "gt": high > hi, "lt": low < lo, "ge": high >= lo, "le": low <= hi,
            "sa": low > hi, "eb": high < lo, "ap": and_(low <= hi, high >= lo)}[prefix]


def _number(t: FromClause, prefix: str, v) -> ColumnElement:
    """Stored numbers are ranges (a point is low == high): eq means the range includes the value."""
    low, high = t.c.low, t.c.high
    eq = and_(low <= v, high >= v)
    return {"eq": eq, "ap": eq, "ne": not_(eq), "gt": high > v, "lt": low < v, "ge": high >= v,
            "le": low <= v, "sa": low > v, "eb": high < v}[prefix]


def _reference(t: FromClause, form: tuple, b: list) -> ColumnElement:
    if form[0] == "url":
        return t.c.url == b[0]
    cond = t.c.target_id == b[0]
    return and_(cond, t.c.target_type == b[1]) if form[1] else cond


def _value_condition(t: FromClause, form: tuple, b: list) -> ColumnElement:
    kind = form[0]
    if kind in ("code", "system"):
        return _token(t, form, b)
    if kind in ("exact", "like", "range"):
        return _string(t, form, b)
    if kind == "date":
        return _date(t, form[1], b[0], b[1])
    if kind == "number":
        return _number(t, form[1], b[0])
    if kind in ("url", "reference"):
        return _reference(t, form, b)
    return t.c.value == b[0]


def _table(clause: ClauseShape):
    """The index table of the clause and the parameter name its rows carry."""
    if clause.modifier == "text":
        return idx_string, text_param(clause.code)
    return TABLE_OF_TYPE[clause.param.type], clause.code


def _matching_pks(clause: ClauseShape):
    """SELECT of the pks (possibly repeated) of resources with a value matching one of the clause's values."""
    table, param = _table(clause)
    fts = fulltext.fts
    parts = [select((fts.c.rowid.op(">>")(fulltext.SHIFT)).label("pk")).where(
        fts.c.param == param, fts.c.folded.match(clause.binds(j)[0]))
        for j, (form, _) in enumerate(clause.terms) if form[0] == "fts"]
    others = [_value_condition(table, form, clause.binds(j))
              for j, (form, _) in enumerate(clause.terms) if form[0] != "fts"]
    if others:
        parts.append(select(table.c.pk).where(table.c.param == param, or_(*others)))
    return parts[0] if len(parts) == 1 else parts[0].union_all(*parts[1:])


def clause_condition(clause: ClauseShape) -> ColumnElement:
    """A condition on ``resources.pk`` that holds for resources matching the clause."""
    if clause.modifier == "missing":
        table, param = _table(clause)
        present = resources.c.pk.in_(select(table.c.pk).where(table.c.param == param))
        return not_(present) if clause.terms[0][0][1] else present
    matching = resources.c.pk.in_(_matching_pks(clause))
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

    def beyond(self, pk, ascending: bool) -> ColumnElement:
        if self.slots == 1:
            return self.key > pk if ascending else self.key < pk
        return self.key >= (pk + 1) * self.slots if ascending else self.key < pk * self.slots


# made once: an alias builds its column collection, which costs more than the rest of a search's SQL
_DRIVER_TABLES = {table.name: table.alias("d") for table in TABLE_OF_TYPE.values()}
_DRIVER_FTS = fulltext.fts.alias("d")


def _driver(clause: ClauseShape) -> _Driver | None:
    """The clause as a driver when its matches come out of an index in pk order; None when they do not."""
    if len(clause.terms) != 1 or clause.modifier in ("missing", "not", "text"):
        return None
    form = clause.terms[0][0]
    table, param = _table(clause)
    if form[0] == "fts":
        f = _DRIVER_FTS
        return _Driver(f, f.c.rowid.op(">>")(fulltext.SHIFT), f.c.rowid,
                       [f.c.param == param, f.c.folded.match(clause.binds(0)[0])], False, fulltext.SLOTS)
    if clause.param.type not in ("token", "reference", "uri"):
        return None
    t = _DRIVER_TABLES[table.name]
    return _Driver(t, t.c.pk, t.c.pk, [t.c.param == param, _value_condition(t, form, clause.binds(0))], True)


def _sort_key(code: str, param_type: str, desc: bool) -> ColumnElement:
    table = TABLE_OF_TYPE[param_type]
    column = table.c[{"string": "folded", "token": "code", "uri": "value", "date": "low", "number": "low"}[param_type]]
    agg = func.max(column) if desc else func.min(column)
    # ``param || ''`` keeps the planner off the (param, value) lookup index: SQLite would take the min/max
    # of the value there and walk every row of the parameter for each sorted resource (minutes at 100,000)
    key = select(agg).where(table.c.pk == resources.c.pk, table.c.param.concat("") == code).scalar_subquery()
    return func.coalesce(key, _NO_NUMBER if param_type in _NUMERIC else _NO_TEXT)


def _beyond(keys: list[tuple[ColumnElement, bool]], values: list, pk, pk_ascending: bool) -> ColumnElement:
    """Rows strictly after (values, pk) in the order given by the keys, then by pk."""
    alternatives = []
    for i, (key, desc) in enumerate(keys):
        earlier = [k == v for (k, _), v in zip(keys[:i], values[:i])]
        alternatives.append(and_(*earlier, key < values[i] if desc else key > values[i]))
    tie = resources.c.pk > pk if pk_ascending else resources.c.pk < pk
    alternatives.append(and_(*[k == v for (k, _), v in zip(keys, values)], tie))
    return or_(*alternatives)


def _live(shape: SearchShape) -> list[ColumnElement]:
    return [resources.c.type == shape.resource_type, resources.c.deleted == false()]


def count_statement(shape: SearchShape):
    """How many resources match (every clause a filter: no driver, no paging)."""
    where = _live(shape) + [clause_condition(c) for c in shape.clauses]
    return select(func.count()).select_from(resources).where(*where)


def page_statement(shape: SearchShape):
    """Rows of the page: pk, type, id, JSON (UTF-8 bytes) and the sort keys; the page size (one more than the page, to tell
    whether another follows) is bound as ``limit``. Rows of a "prev" page come last first."""
    clauses = list(shape.clauses)
    driver = None
    if not shape.sort:
        # equality on a token, reference or uri lists fewest rows per match; contains comes after
        for clause in sorted(clauses, key=lambda c: c.param.type not in ("token", "reference", "uri")):
            driver = _driver(clause)
            if driver is not None:
                clauses.remove(clause)
                break
    filters = [clause_condition(c) for c in clauses]
    keys = [(_sort_key(code, kind, desc), desc) for code, kind, desc in shape.sort]
    if shape.direction == "prev":
        # read backwards from the cursor, then the caller reverses the rows
        keys = [(k, not d) for k, d in keys]
    ascending = shape.direction != "prev"
    cursor = None
    if shape.direction:
        cursor = ([bindparam(f"cursor{i}") for i in range(len(keys))], bindparam("cursor_pk"))
    where = _live(shape) + filters
    if driver:
        page = _driven(driver, where, ascending, cursor)
    else:
        page = _sorted(keys, where, ascending, cursor)
    order = [page.c[f"k{i}"].desc() if d else page.c[f"k{i}"].asc() for i, (_, d) in enumerate(keys)]
    order.append(page.c.pk.asc() if ascending else page.c.pk.desc())
    columns = [resources.c.pk, resources.c.type, resources.c.res_id, utf8(resources.c.content)]
    columns += [page.c[f"k{i}"] for i in range(len(keys))]
    return select(*columns).select_from(page.join(resources, resources.c.pk == page.c.pk)).order_by(*order)


def _sorted(keys, where: list, ascending: bool, cursor):
    if cursor:
        where = where + [_beyond(keys, cursor[0], cursor[1], pk_ascending=ascending)]
    order = [k.desc() if d else k.asc() for k, d in keys]
    order.append(resources.c.pk.asc() if ascending else resources.c.pk.desc())
    columns = [resources.c.pk] + [k.label(f"k{i}") for i, (k, _) in enumerate(keys)]
    return select(*columns).where(*where).order_by(*order).limit(bindparam(LIMIT)).subquery("page")


def _driven(d: _Driver, where: list, ascending: bool, cursor):
    where = where + d.where
    if cursor:
        where.append(d.beyond(cursor[1], ascending))
    stmt = (select(d.pk.label("pk")).select_from(d.source.join(resources, resources.c.pk == d.pk))
            .where(*where))
    if d.repeats:
        stmt = stmt.group_by(d.key)
    order = d.key.asc() if ascending else d.key.desc()
    return stmt.order_by(order).limit(bindparam(LIMIT)).subquery("page")
