"""Create the store's schema, or bring a database made by an earlier version of it up to date."""
from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Engine

from adapter.store import fulltext
from adapter.store.schema import OBSOLETE_INDEXES, metadata

# held while one process sets the schema up, so workers starting together do not race on DDL
_PG_LOCK = 7_401_318


def prepare(engine: Engine) -> bool:
    """Create missing tables and indexes, drop superseded ones; whether substring search has its index."""
    with engine.connect().execution_options(sqlite_begin="IMMEDIATE") as conn, conn.begin():
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK})
        metadata.create_all(conn)
        # create_all makes the indexes of new tables only; an index added to an existing table is made here
        for table in metadata.sorted_tables:
            for index in table.indexes:
                index.create(conn, checkfirst=True)
        for name in OBSOLETE_INDEXES:
            conn.execute(text(f"DROP INDEX IF EXISTS {name}"))
        return fulltext.setup(conn)
