"""Database tables of the store (SQLAlchemy Core): current resources, version history, search index."""
from __future__ import annotations

from sqlalchemy import (BigInteger, Boolean, Column, Float, ForeignKey, Index, Integer, MetaData, String, Table,
                        Text)

metadata = MetaData()
# bumped when tables, indexes or index contents change (the benchmark keys its cached databases by it)
SCHEMA_VERSION = 2
# indexes earlier versions made that are now superseded; dropped when a store opens an old database
OBSOLETE_INDEXES = ("ix_idx_token_lookup",)

# the current version of every resource; ``pk`` is stable across updates and orders paging
resources = Table(
    "resources", metadata,
    Column("pk", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("type", String(64), nullable=False),
    Column("res_id", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("last_updated", String(40), nullable=False),
    Column("deleted", Boolean, nullable=False, default=False),
    # digest of the content without meta.versionId/lastUpdated: an unchanged upsert is a no-op
    Column("digest", String(64), nullable=False),
    Column("content", Text),
    Index("ux_resources_type_id", "type", "res_id", unique=True),
    Index("ix_resources_type_pk", "type", "deleted", "pk"),
)

history = Table(
    "history", metadata,
    Column("type", String(64), primary_key=True),
    Column("res_id", String(64), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("last_updated", String(40), nullable=False),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("method", String(8), nullable=False),
    Column("content", Text),
    Index("ix_history_updated", "last_updated"),
)


def _index_table(name: str, *columns: Column, lookup: tuple[str, ...], lookup_name: str = "lookup") -> Table:
    """An index table; its lookup index is (param, *lookup), with pk last unless ``lookup`` places it."""
    pk = Column("pk", BigInteger().with_variant(Integer, "sqlite"),
                ForeignKey("resources.pk", ondelete="CASCADE"), nullable=False)
    table = Table(name, metadata, pk, Column("param", String(64), nullable=False), *columns)
    lookup = lookup if "pk" in lookup else (*lookup, "pk")
    Index(f"ix_{name}_{lookup_name}", table.c.param, *[table.c[c] for c in lookup])
    Index(f"ix_{name}_pk", table.c.pk, table.c.param)
    return table


# pk before system: a search for one code reads the matches in pk (page) order and stops at the page size
idx_token = _index_table("idx_token", Column("system", Text), Column("code", Text),
                         lookup=("code", "pk", "system"), lookup_name="code")
idx_string = _index_table("idx_string", Column("folded", Text), Column("exact", Text), lookup=("folded",))
idx_range = _index_table("idx_range", Column("low", Float), Column("high", Float), lookup=("low", "high"))
idx_reference = _index_table("idx_reference", Column("target_type", String(64)),
                             Column("target_id", Text), Column("url", Text),
                             lookup=("target_id", "target_type"))
# what points at a resource: for _revinclude and for re-indexing the resources that follow references
Index("ix_idx_reference_target", idx_reference.c.target_id, idx_reference.c.target_type)
idx_uri = _index_table("idx_uri", Column("value", Text), lookup=("value",))

INDEX_TABLES = {"token": idx_token, "string": idx_string, "range": idx_range, "reference": idx_reference,
                "uri": idx_uri}
# which index table holds each search parameter type
TABLE_OF_TYPE = {"token": idx_token, "string": idx_string, "date": idx_range, "number": idx_range,
                 "reference": idx_reference, "uri": idx_uri}
