"""``utf8(column)``: a text column selected as its UTF-8 bytes, so stored JSON reaches the socket undecoded.

A search page carries whole resources; decoding them to str, joining them into a Bundle and encoding that
again costs more than the query when the text is not ASCII (most registry records are not).
"""
from __future__ import annotations

from sqlalchemy import LargeBinary
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class utf8(FunctionElement):  # noqa: N801 - named like the SQL functions it stands for
    type = LargeBinary()
    inherit_cache = True


@compiles(utf8, "sqlite")
def _sqlite(element, compiler, **kw) -> str:
    # SQLite keeps text as UTF-8: the cast hands over its bytes as they are
    return f"CAST({compiler.process(element.clauses, **kw)} AS BLOB)"


@compiles(utf8, "postgresql")
def _postgresql(element, compiler, **kw) -> str:
    return f"convert_to({compiler.process(element.clauses, **kw)}, 'UTF8')"
