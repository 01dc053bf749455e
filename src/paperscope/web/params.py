"""Query parameters, path ids and form fields, checked by hand so that a bad one gets a
clear 400 (or 404), never a trace.

Ids are read by one rule everywhere (`untrusted.parse_id`): ASCII digits within the range of
the INTEGER id columns. `RowId` is that rule as a path parameter type (`work_id: RowId`):
the OpenAPI schema says "integer, 0 to 2^31-1" and anything else answers 400 before a query
runs (`"²"`, `"-1"`, `"1_000"`, 2^63 and 30-digit numbers included).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Path
from pydantic import BeforeValidator
from starlette.datastructures import FormData

from paperscope.errors import QueryError
from paperscope.untrusted import MAX_ID, parse_id

MAX_QUERY_LENGTH = 500
MAX_PAGE = 1000
MAX_FORM_FIELD = 10_000


def _ascii_id(value: object) -> object:
    if isinstance(value, str):
        number = parse_id(value)
        if number is None:
            raise ValueError(f"must be a whole number from 0 to {MAX_ID} in ASCII digits")
        return number
    return value


RowId = Annotated[int, Path(ge=0, le=MAX_ID), BeforeValidator(_ascii_id)]
"""A row id in the path: `def page(work_id: RowId)`."""


def parse_day(value: str | None, name: str = "date") -> date | None:
    if value is None or value == "":
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise QueryError(f"{name} must be a date like 2024-01-31, not {value[:40]!r}") from None


def parse_int(value: str | None, name: str, *, default: int, low: int, high: int) -> int:
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise QueryError(f"{name} must be a whole number, not {value[:40]!r}") from None
    if not low <= number <= high:
        raise QueryError(f"{name} must be between {low} and {high}, not {number}")
    return number


def parse_choice(value: str | None, name: str, choices: tuple[str, ...]) -> str:
    if value is None or value == "":
        return choices[0]
    if value not in choices:
        raise QueryError(f"{name} must be one of {', '.join(choices)}, not {value[:40]!r}")
    return value


def parse_flag(value: str | None, name: str) -> bool | None:
    if value is None or value == "":
        return None
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise QueryError(f"{name} must be true or false, not {value[:40]!r}")


def parse_text(value: str | None, name: str) -> str:
    text = (value or "").strip()
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError(f"{name} is too long ({len(text)} characters; at most {MAX_QUERY_LENGTH})")
    if "\x00" in text:
        raise QueryError(f"{name} contains a NUL character")
    return text


def form_text(form: FormData, name: str, default: str = "") -> str:
    """A text field of a posted form (`default` if absent or a file); 400 if it holds a NUL
    (PostgreSQL cannot store one) or is longer than any field needs."""
    value = form.get(name, default)
    if not isinstance(value, str):
        return default
    if "\x00" in value:
        raise QueryError(f"{name} contains a NUL character")
    if len(value) > MAX_FORM_FIELD:
        raise QueryError(f"{name} is too long (at most {MAX_FORM_FIELD} characters)")
    return value


def form_int(form: FormData, name: str) -> int:
    """A required id field of a posted form, such as `work_id` (`untrusted.parse_id`)."""
    number = parse_id(form.get(name))
    if number is None:
        raise QueryError(f"{name} must be a number")
    return number


def local_path(value: object, default: str) -> str:
    """A path on this site to go back to (a form's `next`); `default` for anything else, so
    it is never an open redirect (`//host` and `/\\host` are other sites to a browser)."""
    text = value if isinstance(value, str) else ""
    return text if text.startswith("/") and not text.startswith(("//", "/\\")) else default
