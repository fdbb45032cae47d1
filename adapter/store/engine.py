"""Open the database engine: an embedded SQLite file (WAL) by default, PostgreSQL (psycopg 3) by URL."""
from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine

DEFAULT_SQLITE = "trialfhir.sqlite"


def database_url(db: str | None) -> str:
    """A SQLAlchemy URL from a URL, a file path, or nothing ($TRIALFHIR_DB, else ./trialfhir.sqlite)."""
    db = db or os.environ.get("TRIALFHIR_DB") or DEFAULT_SQLITE
    if db.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + db.split("://", 1)[1]
    if "://" in db:
        return db
    return f"sqlite:///{Path(db).expanduser().resolve()}"


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # the driver's own transaction handling would defer BEGIN; we issue it ourselves (below)
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # writers take the write lock up front, so two writers never deadlock upgrading a read lock
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


def make_engine(db: str | None) -> Engine:
    url = database_url(db)
    if url.startswith("sqlite"):
        engine = create_engine(url, pool_size=16, max_overflow=16)
        _tune_sqlite(engine)
        return engine
    return create_engine(url, pool_size=16, max_overflow=16, pool_pre_ping=True)
