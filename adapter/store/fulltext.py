"""Substring (``:contains``) search acceleration: an SQLite FTS5 trigram table, a PostgreSQL pg_trgm index.

SQLite keeps one FTS row per resource and string parameter, holding that parameter's folded values joined by
newlines (folded search text never holds one, so a match cannot span two values). Its rowid is
``pk * SLOTS + slot``, so rowid order is pk order: a search can walk the matches in page order and stop at the
page size, and a resource's rows are one rowid range to delete. PostgreSQL indexes ``idx_string.folded`` with
a GIN trigram index, which its planner uses for ``LIKE '%...%'`` by itself. Where neither is available the
search falls back to LIKE over the string index, and says so in the log once.
"""
from __future__ import annotations

import logging
import sqlite3

from sqlalchemy import Column, Integer, MetaData, String, Table, Text, delete, insert, text
from sqlalchemy.engine import Connection

from adapter.store.index import TEXT_SUFFIX

log = logging.getLogger(__name__)

# string parameters of one resource with an FTS row each; types have at most nine, the rest would be left out
SLOTS = 64
SHIFT = 6
# trigram search needs three characters; shorter text is matched with LIKE
MIN_TRIGRAM = 3
FTS_SQLITE = (3, 34, 0)

fts = Table("idx_string_fts", MetaData(), Column("rowid", Integer), Column("folded", Text),
            Column("param", String(64)))

_CREATE_FTS = ("CREATE VIRTUAL TABLE idx_string_fts USING fts5(folded, param UNINDEXED, tokenize='trigram', "
               "detail='full')")
# existing string index rows, one FTS row per (resource, parameter), as _write_rows would have made them
_FILL_FTS = """
INSERT INTO idx_string_fts(rowid, folded, param)
SELECT pk * {slots} + slot, folded, param FROM (
    SELECT pk, param, group_concat(folded, char(10)) AS folded,
           dense_rank() OVER (PARTITION BY pk ORDER BY param) - 1 AS slot
    FROM idx_string WHERE param NOT LIKE '%{text}' GROUP BY pk, param)
WHERE slot < {slots}
""".format(slots=SLOTS, text=TEXT_SUFFIX)


def setup(conn: Connection) -> bool:
    """Create the substring index of the database if it can have one; whether searches may use it."""
    if conn.dialect.name == "sqlite":
        return _setup_sqlite(conn)
    if conn.dialect.name == "postgresql":
        return _setup_postgres(conn)
    return False


def _setup_sqlite(conn: Connection) -> bool:
    if sqlite3.sqlite_version_info < FTS_SQLITE:
        log.warning("SQLite %s has no FTS5 trigram tokenizer (needs 3.34): :contains searches scan with LIKE",
                    sqlite3.sqlite_version)
        return False
    exists = conn.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'idx_string_fts'").first()
    if not exists:
        conn.exec_driver_sql(_CREATE_FTS)
        # a database made before this table existed: index what it already holds
        conn.exec_driver_sql(_FILL_FTS)
    return True


def _setup_postgres(conn: Connection) -> bool:
    try:
        with conn.begin_nested():
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except Exception as exc:  # noqa: BLE001 - any refusal (not installed, no privilege) means: no index
        log.warning("PostgreSQL extension pg_trgm is unavailable (%s): :contains searches scan with LIKE",
                    str(exc).splitlines()[0])
        return False
    conn.execute(text("CREATE INDEX IF NOT EXISTS ix_idx_string_trgm ON idx_string USING gin "
                      "(folded gin_trgm_ops)"))
    return True


def uses_table(dialect: str, enabled: bool) -> bool:
    """Whether substring search goes through the FTS table (SQLite) rather than LIKE on idx_string."""
    return enabled and dialect == "sqlite"


def fts_rows(pk: int, strings: list[tuple]) -> list[dict]:
    """FTS rows of one resource from its string index rows (param, folded, exact); token texts have none."""
    by_param: dict[str, list[str]] = {}
    for param, folded, _exact in strings:
        if not param.endswith(TEXT_SUFFIX):
            by_param.setdefault(param, []).append(folded)
    return [{"rowid": pk * SLOTS + slot, "param": param, "folded": "\n".join(by_param[param])}
            for slot, param in enumerate(sorted(by_param)[:SLOTS])]


def write_rows(conn: Connection, rows: list[dict]) -> None:
    if rows:
        conn.execute(insert(fts), rows)


def clear(conn: Connection, pks: list[int]) -> None:
    for pk in pks:
        conn.execute(delete(fts).where(fts.c.rowid >= pk * SLOTS, fts.c.rowid < (pk + 1) * SLOTS))


def match_query(folded: str) -> str:
    """An FTS5 query matching the folded text as a substring (one quoted phrase)."""
    return '"' + folded.replace('"', '""') + '"'
