"""The versioned FHIR resource store: upsert, read, vread, history, delete and search over SQL."""
from __future__ import annotations

import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterable

from sqlalchemy import bindparam, func, select, tuple_
from sqlalchemy.engine import Engine

from adapter.store.compiled import Compiled, Statements
from adapter.store.include import included
from adapter.store.migrate import prepare
from adapter.store.query import SearchQuery
from adapter.store.schema import history, resources
from adapter.store.search import LIMIT, count_statement, encode_cursor, page_statement, shape_of
from adapter.store.searchparams import SearchParamRegistry, load_registry
from adapter.store.values import instant_from
# the write side's results and errors are part of the store's interface
from adapter.store.writer import InvalidResource, Stored, StoreError, VersionConflict, WriteResult, Writer

__all__ = ["Gone", "Hit", "InvalidResource", "NotFound", "SearchResult", "Store", "Stored", "StoreError",
           "VersionConflict", "WriteResult"]


class NotFound(StoreError):
    """No such resource (or version) was ever stored."""


class Gone(StoreError):
    """The resource existed and was deleted."""

    def __init__(self, message: str, version: int):
        super().__init__(message)
        self.version = version


@dataclass
class Hit:
    """A resource found by a search, as (type, id, JSON as UTF-8 bytes)."""
    type: str
    id: str
    content: bytes


@dataclass
class SearchResult:
    matches: list[Hit]
    included: list[Hit]
    total: int | None
    next_cursor: str | None
    previous_cursor: str | None


class Store:
    """Resources with version history and a search index, in SQLite or PostgreSQL."""

    def __init__(self, engine: Engine, registry: SearchParamRegistry | None = None):
        self.engine = engine
        self.registry = registry or load_registry()
        self.dialect = engine.dialect.name
        self.fts_enabled = prepare(engine)
        self.writer = Writer(self.registry, self.fts_enabled)
        self.statements = Statements(engine.dialect)
        self._read_current = Compiled(engine.dialect, select(
            resources.c.version, resources.c.last_updated, resources.c.deleted, resources.c.content).where(
            resources.c.type == bindparam("type"), resources.c.res_id == bindparam("res_id")))
        self._read_version = Compiled(engine.dialect, select(
            history.c.last_updated, history.c.deleted, history.c.content, history.c.method).where(
            history.c.type == bindparam("type"), history.c.res_id == bindparam("res_id"),
            history.c.version == bindparam("version")))

    @property
    def resource_types(self) -> list[str]:
        return list(self.registry.by_type)

    def _writer(self):
        return self.engine.connect().execution_options(sqlite_begin="IMMEDIATE")

    # ---- writes -------------------------------------------------------------------------------

    def upsert(self, resource: dict, if_match: int | None = None) -> WriteResult:
        with self._writer() as conn, conn.begin():
            return self.writer.upsert(conn, [(resource, if_match)])[0]

    def upsert_many(self, batch: Iterable[dict]) -> list[WriteResult]:
        """Store several resources in one transaction (all of them or none), with a few statements a batch."""
        with self._writer() as conn, conn.begin():
            return self.writer.upsert(conn, [(r, None) for r in batch])

    def create(self, resource: dict) -> WriteResult:
        """Store under a new server-assigned id."""
        return self.upsert({**resource, "id": uuid.uuid4().hex})

    def delete(self, resource_type: str, res_id: str) -> WriteResult | None:
        """Delete the resource (a new, deleted version); None when there was nothing to delete."""
        with self._writer() as conn, conn.begin():
            return self.writer.delete(conn, resource_type, res_id)

    def apply(self, operations: list[tuple]) -> list[WriteResult | None]:
        """Run ("put", resource, if_match) and ("delete", type, id) operations in one transaction."""
        with self._writer() as conn, conn.begin():
            return [self.writer.upsert(conn, [(op[1], op[2])])[0] if op[0] == "put"
                    else self.writer.delete(conn, op[1], op[2]) for op in operations]

    # ---- reads --------------------------------------------------------------------------------

    def read(self, resource_type: str, res_id: str) -> Stored:
        row = self._first(self._read_current, type=resource_type, res_id=res_id)
        if row is None:
            raise NotFound(f"{resource_type}/{res_id} is not known")
        version, last_updated, deleted, content = row
        if deleted:
            raise Gone(f"{resource_type}/{res_id} was deleted", version)
        return Stored(resource_type, res_id, version, last_updated, False, content)

    def vread(self, resource_type: str, res_id: str, version: int) -> Stored:
        row = self._first(self._read_version, type=resource_type, res_id=res_id, version=version)
        if row is None:
            raise NotFound(f"{resource_type}/{res_id} has no version {version}")
        last_updated, deleted, content, method = row
        if deleted:
            raise Gone(f"{resource_type}/{res_id} version {version} is a deletion", version)
        return Stored(resource_type, res_id, version, last_updated, False, content, method)

    def _first(self, compiled: Compiled, **params):
        """The first row (a tuple of the selected columns) of a single statement, or None."""
        with self._reading(several=False) as cursor:
            cursor.execute(compiled.sql, compiled.args(params))
            return cursor.fetchone()

    @staticmethod
    def _stored(row) -> Stored:
        return Stored(row.type, row.res_id, row.version, row.last_updated, row.deleted, row.content, row.method)

    def history(self, resource_type: str | None = None, res_id: str | None = None, since: str | None = None,
                count: int = 20, before: tuple | None = None) -> list[Stored]:
        """Versions newest first; ``before`` (last_updated, type, id, version) continues a previous page."""
        stmt = select(history)
        if resource_type:
            stmt = stmt.where(history.c.type == resource_type)
        if res_id:
            stmt = stmt.where(history.c.res_id == res_id)
        if since:
            stmt = stmt.where(history.c.last_updated >= instant_from(since))
        if before:
            stmt = stmt.where(tuple_(history.c.last_updated, history.c.type, history.c.res_id, history.c.version)
                              < tuple_(*before))
        stmt = stmt.order_by(history.c.last_updated.desc(), history.c.type.desc(), history.c.res_id.desc(),
                             history.c.version.desc()).limit(count)
        with self.engine.connect() as conn:
            return [self._stored(r) for r in conn.execute(stmt)]

    def search(self, query: SearchQuery) -> SearchResult:
        shape, values = shape_of(query, self.registry, self.dialect, self.fts_enabled)
        counting = query.summary == "count" or query.count == 0
        # counting costs a second query, so only when asked for (or when nothing but the count is)
        wants_total = query.total != "none" or counting
        statements = self.statements
        # a count alone answers a counting search: its page and includes are never read
        runs = wants_total + (0 if counting else 1 + bool(query.includes))
        with self._reading(several=runs > 1) as cursor:
            total = None
            if wants_total:
                count = statements.get(("count", shape.resource_type, shape.clauses), lambda: count_statement(shape))
                total = count.rows(cursor, values)[0][0]
            if counting:
                return SearchResult([], [], total, None, None)
            page = statements.get(("page", shape), lambda: page_statement(shape))
            rows = page.rows(cursor, {**values, LIMIT: query.count + 1})
            more = len(rows) > query.count
            rows = rows[:query.count]
            if shape.direction == "prev":
                rows.reverse()
            n_keys = len(shape.sort)
            cursor_at = (lambda row, d: encode_cursor([row[4 + i] for i in range(n_keys)], row[0], d))
            has_next = more if shape.direction != "prev" else True
            has_prev = more if shape.direction == "prev" else query.cursor is not None
            next_cursor = cursor_at(rows[-1], "next") if rows and has_next else None
            prev_cursor = cursor_at(rows[0], "prev") if rows and has_prev else None
            added = (included(lambda key, build, params: statements.get(key, build).rows(cursor, params),
                              query.includes, [(r[0], r[1]) for r in rows]) if query.includes else [])
        return SearchResult([Hit(r[1], r[2], r[3]) for r in rows], [Hit(*a) for a in added], total, next_cursor,
                            prev_cursor)

    @contextmanager
    def _reading(self, several: bool):
        """A DBAPI cursor on a pooled connection; ``several`` statements share one snapshot (a transaction),
        a single statement needs none of its own (SQLite autocommit; PostgreSQL rolls back on return)."""
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor()
            if several and self.dialect == "sqlite":
                cursor.execute("BEGIN")
            try:
                yield cursor
            finally:
                cursor.close()
        finally:
            # back in the pool, the connection is rolled back: a read-only transaction ends there
            connection.close()

    def iter_current(self, resource_type: str, since: str | None = None, batch: int = 500):
        """JSON text of every current resource of the type (updated at or after ``since``), in pk order."""
        last = 0
        while True:
            stmt = select(resources.c.pk, resources.c.content).where(
                resources.c.type == resource_type, resources.c.deleted.is_(False), resources.c.pk > last)
            if since:
                stmt = stmt.where(resources.c.last_updated >= instant_from(since))
            with self.engine.connect() as conn:
                rows = conn.execute(stmt.order_by(resources.c.pk).limit(batch)).all()
            if not rows:
                return
            yield from (r[1] for r in rows)
            last = rows[-1][0]

    def count(self, resource_type: str | None = None) -> int:
        stmt = select(func.count()).select_from(resources).where(resources.c.deleted.is_(False))
        if resource_type:
            stmt = stmt.where(resources.c.type == resource_type)
        with self.engine.connect() as conn:
            return conn.execute(stmt).scalar()
