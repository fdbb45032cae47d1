"""Statements compiled once for the engine's dialect and run on a pooled DBAPI cursor: the hot read paths.

A read by id is one indexed lookup, a search page a few; building, caching and executing them through
SQLAlchemy's Connection costs several times what the database does, so reads and searches skip that layer.
"""
from __future__ import annotations

import threading
from typing import Callable, Hashable

from sqlalchemy.engine import Dialect
from sqlalchemy.sql import Select

# distinct search shapes kept compiled; a client inventing shapes only makes the oldest ones compile again
MAX_SHAPES = 2048


class Compiled:
    """A SELECT with named bind parameters, compiled for one dialect. Bind parameters made without a value
    (``bindparam(name)``) must be given when it runs; the others are constants of the statement."""

    def __init__(self, dialect: Dialect, statement: Select):
        compiled = statement.compile(dialect=dialect)
        self.sql = compiled.string
        if "POSTCOMPILE" in self.sql:
            raise ValueError("a statement run as compiled cannot have expanding parameters")
        self.constants = {name: bind.value for bind, name in compiled.bind_names.items() if not bind.required}
        self.names = list(compiled.positiontup or ()) if compiled.positional else None

    def args(self, params: dict):
        if self.names is None:
            return {**self.constants, **params}
        return [params[n] if n in params else self.constants[n] for n in self.names]

    def rows(self, cursor, params: dict) -> list[tuple]:
        cursor.execute(self.sql, self.args(params))
        return cursor.fetchall()


class Statements:
    """Compiled statements by shape: ``build`` makes the statement of a shape the first time it is asked for."""

    def __init__(self, dialect: Dialect):
        self.dialect = dialect
        self._compiled: dict[Hashable, Compiled] = {}
        self._lock = threading.Lock()

    def get(self, shape: Hashable, build: Callable[[], Select]) -> Compiled:
        compiled = self._compiled.get(shape)
        if compiled is None:
            compiled = Compiled(self.dialect, build())
            with self._lock:
                if len(self._compiled) >= MAX_SHAPES:
                    del self._compiled[next(iter(self._compiled))]
                self._compiled[shape] = compiled
        return compiled

