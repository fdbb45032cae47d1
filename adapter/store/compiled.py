"""Statements compiled once for the engine's dialect and run on a pooled DBAPI cursor: the hot read path.

A read by id is one indexed lookup; building, caching and executing it through SQLAlchemy's Connection costs
several times what the database does, so the read and vread statements skip that layer.
"""
from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlalchemy.sql import Select


class Compiled:
    """A SELECT with named bind parameters, compiled for one engine."""

    def __init__(self, engine: Engine, statement: Select):
        compiled = statement.compile(dialect=engine.dialect)
        self.engine = engine
        self.sql = compiled.string
        self.names = list(compiled.positiontup or ()) if compiled.positional else None

    def first(self, **params):
        """The first row (a tuple of the selected columns), or None."""
        args = [params[name] for name in self.names] if self.names is not None else params
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor()
            try:
                cursor.execute(self.sql, args)
                return cursor.fetchone()
            finally:
                cursor.close()
        finally:
            connection.close()
