"""One bound parameter for a list of ids or keys: `in_list(column, values)`.

Use it in every query that binds a list of ids or keys, instead of `column.in_(values)`
and instead of chunking the list. An expanding `IN` puts one placeholder per value in
the SQL, so long lists hit SQLite's variable limit and PostgreSQL's 65535 parameters, and
every list length compiles (and plans) a new statement; callers ended up chunking by
hand. Here the whole list is one parameter and the SQL text never changes:

- SQLite: `column IN (SELECT value FROM json_each(:ids))`, which SQLite answers by looking
  each value up in the column's index or the rowid;
- PostgreSQL: `column = ANY(ARRAY(SELECT json_array_elements_text(CAST(:ids AS json))))`
  (each element cast to BIGINT for an integer column): the array is built once, by the
  server, and the planner answers `= ANY` from the column's index.

Both bind the list as one JSON text. On PostgreSQL it used to be bound as an array, which
psycopg writes out element by element in Python: at ingest, whose batches look up tens of
thousands of keys at a time, that took 9.6 s of a 100k-work ingest's 146 s (under a
profiler), in the thread every batch waits for; `json.dumps` of such lists is ~6x faster.

An empty list matches nothing; duplicates match once, as with `IN`.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Boolean, Integer, String, Text, bindparam
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter, ColumnElement
from sqlalchemy.sql.type_api import TypeEngine
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import TypeDecorator

__all__ = ["in_list"]


class _ListParameter(TypeDecorator[list[Any]]):
    """A Python list bound as one JSON text."""

    impl = Text
    cache_ok = True
    pg_element = ""
    """How PostgreSQL casts each element read back from the JSON text ("" keeps the text)."""

    def process_bind_param(self, value: list[Any] | None, dialect: Dialect) -> Any:
        return json.dumps(value)


class _IntList(_ListParameter):
    """Integer ids: BIGINT on PostgreSQL, which compares with INTEGER columns too."""

    cache_ok = True
    pg_element = "BIGINT"


class _StrList(_ListParameter):
    """String keys: text on PostgreSQL (VARCHAR columns compare as text)."""

    cache_ok = True


class _InList(ColumnElement[bool]):
    """`column` is one of a bound list; built by `in_list`, compiled per dialect below.

    The list is a `BindParameter`, so the statement cache keys on the column and the
    element type only: every list reuses one compiled statement, with its own values.
    """

    __visit_name__ = "in_list"
    inherit_cache = True
    _traverse_internals = [  # noqa: RUF012  (SQLAlchemy declares it a list)
        ("column", InternalTraversal.dp_clauseelement),
        ("values", InternalTraversal.dp_clauseelement),
    ]
    type = Boolean()
    _is_implicitly_boolean = True  # a condition: no "= 1" after it where booleans are ints

    def __init__(self, column: ColumnElement[Any], values: BindParameter[list[Any]]) -> None:
        self.column = column
        self.values = values


def in_list(column: ColumnElement[Any], values: Iterable[Any]) -> ColumnElement[bool]:
    """`column IN values` with all the values in one bound parameter, however many.

    `values` may be any iterable (it is read once, here): ints (numpy ints too) for an
    integer column, strs for a string column; anything else raises TypeError now rather
    than matching nothing later.
    """
    convert, parameter = _element(column.type)
    try:
        converted = [convert(value) for value in values]
    except TypeError as error:
        raise TypeError(f"in_list({column}): {error}") from None
    name = f"{getattr(column, 'key', None) or 'values'}_list"
    return _InList(column, bindparam(name, converted, type_=parameter, unique=True))


def _element(column_type: TypeEngine[Any]) -> tuple[Callable[[Any], Any], _ListParameter]:
    """How to convert each value, and how to bind the list, for a column of this type."""
    if isinstance(column_type, Integer):
        return operator.index, _IntList()
    if isinstance(column_type, String):  # Text is a String
        return _as_str, _StrList()
    raise TypeError(f"in_list supports integer and string columns, not {column_type!r}")


def _as_str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a str key, got {type(value).__name__} {value!r}")
    return str(value)  # a plain str, also from a str subclass such as numpy.str_


@compiles(_InList)
def _compile_json_each(element: _InList, compiler: SQLCompiler, **kw: Any) -> str:
    """SQLite (and the default dialect): a JSON array read back as rows by json_each."""
    column = compiler.process(element.column, **kw)
    values = compiler.process(element.values, **kw)
    return f"{column} IN (SELECT value FROM json_each({values}))"


@compiles(_InList, "postgresql")
def _compile_any(element: _InList, compiler: SQLCompiler, **kw: Any) -> str:
    """PostgreSQL: the JSON array made an array by the server, compared with `= ANY`."""
    column = compiler.process(element.column, **kw)
    values = compiler.process(element.values, **kw)
    each = f"json_array_elements_text(CAST({values} AS json))"
    parameter = element.values.type
    cast = parameter.pg_element if isinstance(parameter, _ListParameter) else ""
    return f"{column} = ANY(ARRAY(SELECT {f'CAST({each} AS {cast})' if cast else each}))"
