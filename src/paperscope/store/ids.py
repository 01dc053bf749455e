"""One bound parameter for a list of ids or keys: `in_list(column, values)`.

Use it in every query that binds a list of ids or keys, instead of `column.in_(values)`
and instead of chunking the list. An expanding `IN` puts one placeholder per value in
the SQL, so long lists hit SQLite's variable limit and PostgreSQL's 65535 parameters, and
every list length compiles (and plans) a new statement; callers ended up chunking by
hand. Here the whole list is one parameter and the SQL text never changes:

- PostgreSQL: `column = ANY(:ids::BIGINT[])` (TEXT[] for string columns; psycopg's dialect
  writes the cast), which the planner answers from the column's index;
- SQLite: `column IN (SELECT value FROM json_each(:ids))` with the list bound as JSON
  text, which SQLite answers by looking each value up in the column's index or the rowid.

An empty list matches nothing; duplicates match once, as with `IN`.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import BigInteger, Boolean, Integer, String, Text, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter, ColumnElement
from sqlalchemy.sql.type_api import TypeEngine
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import TypeDecorator

__all__ = ["in_list"]


class _ListParameter(TypeDecorator[list[Any]]):
    """A Python list bound as a PostgreSQL array, or as one JSON text anywhere else."""

    impl = Text
    cache_ok = True
    pg_element: TypeEngine[Any] = Text()

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(ARRAY(self.pg_element))
        return dialect.type_descriptor(Text())

    def process_bind_param(self, value: list[Any] | None, dialect: Dialect) -> Any:
        if dialect.name == "postgresql":
            return value
        return json.dumps(value)


class _IntList(_ListParameter):
    """Integer ids: BIGINT[] on PostgreSQL, which compares with INTEGER columns too."""

    cache_ok = True
    pg_element = BigInteger()


class _StrList(_ListParameter):
    """String keys: TEXT[] on PostgreSQL (VARCHAR columns compare as text)."""

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
    """PostgreSQL: one array parameter (psycopg's dialect casts it to BIGINT[] or TEXT[])."""
    column = compiler.process(element.column, **kw)
    return f"{column} = ANY({compiler.process(element.values, **kw)})"
