"""The versioned FHIR resource store: upsert, read, vread, history, delete and search over SQL."""
from __future__ import annotations

import hashlib
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Iterable

from sqlalchemy import delete, func, insert, select, tuple_, update
from sqlalchemy.engine import Connection, Engine

from adapter.store.index import index_resource
from adapter.store.query import SearchQuery
from adapter.store.schema import INDEX_TABLES, history, idx_reference, metadata, resources
from adapter.store.search import SearchPlan, encode_cursor
from adapter.store.searchparams import SearchParamRegistry, load_registry
from adapter.store.values import now_instant, split_reference

ID_PATTERN = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")


class StoreError(Exception):
    """Base of the store's named errors."""


class NotFound(StoreError):
    """No such resource (or version) was ever stored."""


class Gone(StoreError):
    """The resource existed and was deleted."""

    def __init__(self, message: str, version: int):
        super().__init__(message)
        self.version = version


class InvalidResource(StoreError):
    """The resource cannot be stored: no resourceType, an unsupported type, or a malformed id."""


class VersionConflict(StoreError):
    """If-Match named a version that is not the current one."""


@dataclass
class Stored:
    """One version of a resource as stored; ``content`` is its JSON text (None when deleted)."""
    type: str
    id: str
    version: int
    last_updated: str
    deleted: bool
    content: str | None
    method: str = "PUT"

    def json(self) -> dict:
        return json.loads(self.content)


@dataclass
class WriteResult:
    outcome: str  # created | updated | unchanged | deleted
    stored: Stored


@dataclass
class Hit:
    """A resource found by a search, as (type, id, JSON text)."""
    type: str
    id: str
    content: str


@dataclass
class SearchResult:
    matches: list[Hit]
    included: list[Hit]
    total: int | None
    next_cursor: str | None
    previous_cursor: str | None
    keys: list[int] = field(default_factory=list)


def _digest(resource: dict) -> str:
    meta = dict(resource.get("meta") or {})
    meta.pop("versionId", None)
    meta.pop("lastUpdated", None)
    body = {k: v for k, v in resource.items() if k != "meta"}
    if meta:
        body["meta"] = meta
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


class Store:
    """Resources with version history and a search index, in SQLite or PostgreSQL."""

    def __init__(self, engine: Engine, registry: SearchParamRegistry | None = None):
        self.engine = engine
        self.registry = registry or load_registry()
        self.dialect = engine.dialect.name
        metadata.create_all(engine)
        # types whose index follows references: re-indexed when a resource they point to changes
        self._dependent_types = sorted(t for t, ps in self.registry.by_type.items()
                                       if any(p.follows_references for p in ps.values()))

    @property
    def resource_types(self) -> list[str]:
        return list(self.registry.by_type)

    def _writer(self):
        return self.engine.connect().execution_options(sqlite_begin="IMMEDIATE")

    # ---- writes -------------------------------------------------------------------------------

    def upsert(self, resource: dict, if_match: int | None = None) -> WriteResult:
        with self._writer() as conn, conn.begin():
            return self._upsert(conn, resource, if_match)

    def upsert_many(self, batch: Iterable[dict]) -> list[WriteResult]:
        """Store several resources in one transaction: all of them or none."""
        with self._writer() as conn, conn.begin():
            return [self._upsert(conn, r) for r in batch]

    def create(self, resource: dict) -> WriteResult:
        """Store under a new server-assigned id."""
        return self.upsert({**resource, "id": uuid.uuid4().hex})

    def delete(self, resource_type: str, res_id: str) -> WriteResult | None:
        """Delete the resource (a new, deleted version); None when there was nothing to delete."""
        with self._writer() as conn, conn.begin():
            return self._delete(conn, resource_type, res_id)

    def apply(self, operations: list[tuple]) -> list[WriteResult | None]:
        """Run ("put", resource, if_match) and ("delete", type, id) operations in one transaction."""
        with self._writer() as conn, conn.begin():
            return [self._upsert(conn, op[1], op[2]) if op[0] == "put" else self._delete(conn, op[1], op[2])
                    for op in operations]

    def _delete(self, conn: Connection, resource_type: str, res_id: str) -> WriteResult | None:
        row = self._current(conn, resource_type, res_id)
        if row is None or row.deleted:
            return None
        stored = Stored(resource_type, res_id, row.version + 1, now_instant(), True, None, "DELETE")
        conn.execute(update(resources).where(resources.c.pk == row.pk).values(
            version=stored.version, last_updated=stored.last_updated, deleted=True, content=None, digest=""))
        self._write_history(conn, stored)
        self._clear_index(conn, row.pk)
        self._reindex_dependents(conn, resource_type, res_id)
        return WriteResult("deleted", stored)

    def _check(self, resource: dict) -> tuple[str, str]:
        rtype, res_id = resource.get("resourceType"), resource.get("id")
        if rtype not in self.registry.by_type:
            raise InvalidResource(f"resourceType {rtype!r} is not stored here")
        if not isinstance(res_id, str) or not ID_PATTERN.match(res_id):
            raise InvalidResource(f"id {res_id!r} is not a valid FHIR id")
        return rtype, res_id

    def _upsert(self, conn: Connection, resource: dict, if_match: int | None = None) -> WriteResult:
        rtype, res_id = self._check(resource)
        digest = _digest(resource)
        row = self._current(conn, rtype, res_id)
        if if_match is not None and (row is None or row.deleted or row.version != if_match):
            raise VersionConflict(f"{rtype}/{res_id} is not at version {if_match}")
        if row is not None and not row.deleted and row.digest == digest:
            return WriteResult("unchanged", Stored(rtype, res_id, row.version, row.last_updated, False,
                                                   row.content))
        version = 1 if row is None else row.version + 1
        last_updated = now_instant()
        meta = {**(resource.get("meta") or {}), "versionId": str(version), "lastUpdated": last_updated}
        body = {**resource, "meta": meta}
        content = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
        values = dict(version=version, last_updated=last_updated, deleted=False, digest=digest, content=content)
        if row is None:
            pk = conn.execute(insert(resources).values(type=rtype, res_id=res_id, **values)).inserted_primary_key[0]
        else:
            pk = row.pk
            conn.execute(update(resources).where(resources.c.pk == pk).values(**values))
        method = "POST" if row is None else "PUT"
        stored = Stored(rtype, res_id, version, last_updated, False, content, method)
        self._write_history(conn, stored)
        if row is not None:
            self._clear_index(conn, pk)
        self._write_index(conn, pk, body)
        self._reindex_dependents(conn, rtype, res_id)
        return WriteResult("created" if row is None or row.deleted else "updated", stored)

    def _write_history(self, conn: Connection, stored: Stored) -> None:
        conn.execute(insert(history).values(type=stored.type, res_id=stored.id, version=stored.version,
                                            last_updated=stored.last_updated, deleted=stored.deleted,
                                            method=stored.method, content=stored.content))

    def _clear_index(self, conn: Connection, pk: int) -> None:
        for table in INDEX_TABLES.values():
            conn.execute(delete(table).where(table.c.pk == pk))

    def _write_index(self, conn: Connection, pk: int, body: dict) -> None:
        rows = index_resource(body, self.registry.params(body["resourceType"]),
                              lambda ref: self._resolve(conn, ref))
        for kind, table in INDEX_TABLES.items():
            values = getattr(rows, kind)
            if values:
                names = [c.name for c in table.columns if c.name != "pk"]
                conn.execute(insert(table), [dict(zip(names, v), pk=pk) for v in values])

    def _resolve(self, conn: Connection, reference: str) -> dict | None:
        rtype, rid = split_reference(reference)
        row = self._current(conn, rtype, rid) if rtype else None
        return json.loads(row.content) if row is not None and not row.deleted else None

    def _reindex_dependents(self, conn: Connection, rtype: str, res_id: str) -> None:
        if not self._dependent_types:
            return
        rows = conn.execute(
            select(resources.c.pk, resources.c.content).distinct()
            .join(idx_reference, idx_reference.c.pk == resources.c.pk)
            .where(idx_reference.c.target_type == rtype, idx_reference.c.target_id == res_id,
                   resources.c.type.in_(self._dependent_types), resources.c.deleted.is_(False))).all()
        for pk, content in rows:
            self._clear_index(conn, pk)
            self._write_index(conn, pk, json.loads(content))

    # ---- reads --------------------------------------------------------------------------------

    def _current(self, conn: Connection, rtype: str, res_id: str):
        return conn.execute(select(resources).where(resources.c.type == rtype,
                                                    resources.c.res_id == res_id)).first()

    def read(self, resource_type: str, res_id: str) -> Stored:
        with self.engine.connect() as conn:
            row = self._current(conn, resource_type, res_id)
        if row is None:
            raise NotFound(f"{resource_type}/{res_id} is not known")
        if row.deleted:
            raise Gone(f"{resource_type}/{res_id} was deleted", row.version)
        return Stored(resource_type, res_id, row.version, row.last_updated, False, row.content)

    def vread(self, resource_type: str, res_id: str, version: int) -> Stored:
        with self.engine.connect() as conn:
            row = conn.execute(select(history).where(
                history.c.type == resource_type, history.c.res_id == res_id, history.c.version == version)).first()
        if row is None:
            raise NotFound(f"{resource_type}/{res_id} has no version {version}")
        if row.deleted:
            raise Gone(f"{resource_type}/{res_id} version {version} is a deletion", version)
        return self._stored(row)

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
            stmt = stmt.where(history.c.last_updated >= since)
        if before:
            stmt = stmt.where(tuple_(history.c.last_updated, history.c.type, history.c.res_id, history.c.version)
                              < tuple_(*before))
        stmt = stmt.order_by(history.c.last_updated.desc(), history.c.type.desc(), history.c.res_id.desc(),
                             history.c.version.desc()).limit(count)
        with self.engine.connect() as conn:
            return [self._stored(r) for r in conn.execute(stmt)]

    def search(self, query: SearchQuery) -> SearchResult:
        plan = SearchPlan(query, self.registry, self.dialect)
        with self.engine.connect() as conn:
            # counting costs a second query, so only when asked for (or when nothing but the count is)
            wants_total = query.total != "none" or query.summary == "count" or query.count == 0
            total = conn.execute(plan.count_statement()).scalar() if wants_total else None
            if query.summary == "count" or query.count == 0:
                return SearchResult([], [], total, None, None)
            stmt, direction = plan.page_statement(query.count + 1)
            rows = conn.execute(stmt).all()
            more = len(rows) > query.count
            rows = rows[:query.count]
            if direction == "prev":
                rows.reverse()
            n_keys = len(plan.keys)
            cursor = (lambda row, d: encode_cursor([row[4 + i] for i in range(n_keys)], row[0], d))
            has_next = more if direction == "next" else True
            has_prev = more if direction == "prev" else query.cursor is not None
            next_cursor = cursor(rows[-1], "next") if rows and has_next else None
            prev_cursor = cursor(rows[0], "prev") if rows and has_prev else None
            pks = [r[0] for r in rows]
            included = self._included(conn, query, pks) if query.includes and pks else []
        return SearchResult([Hit(r[1], r[2], r[3]) for r in rows], included, total, next_cursor, prev_cursor,
                            pks)

    def _included(self, conn: Connection, query: SearchQuery, pks: list[int]) -> list[Hit]:
        seen = set(pks)
        out = []
        for inc in query.includes:
            by_param = [idx_reference.c.param == inc.param.code] if inc.param is not None else []
            live = [resources.c.deleted.is_(False)]
            picked = (resources.c.pk, resources.c.type, resources.c.res_id, resources.c.content)
            if inc.reverse:
                matched = select(resources.c.type, resources.c.res_id).where(resources.c.pk.in_(pks))
                stmt = (select(*picked)
                        .join(idx_reference, idx_reference.c.pk == resources.c.pk)
                        .where(resources.c.type == inc.source_type, *live, *by_param,
                               tuple_(idx_reference.c.target_type, idx_reference.c.target_id).in_(matched)))
            else:
                refs = select(idx_reference.c.target_type, idx_reference.c.target_id).where(
                    idx_reference.c.pk.in_(pks), *by_param)
                if inc.target_type:
                    refs = refs.where(idx_reference.c.target_type == inc.target_type)
                stmt = select(*picked).where(
                    *live, tuple_(resources.c.type, resources.c.res_id).in_(refs))
            for pk, rtype, res_id, content in conn.execute(stmt):
                if pk not in seen:
                    seen.add(pk)
                    out.append(Hit(rtype, res_id, content))
        return out

    def iter_current(self, resource_type: str, since: str | None = None, batch: int = 500):
        """JSON text of every current resource of the type (updated at or after ``since``), in pk order."""
        last = 0
        while True:
            stmt = select(resources.c.pk, resources.c.content).where(
                resources.c.type == resource_type, resources.c.deleted.is_(False), resources.c.pk > last)
            if since:
                stmt = stmt.where(resources.c.last_updated >= since)
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
