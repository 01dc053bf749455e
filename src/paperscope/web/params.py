"""Query parameters and form fields, checked by hand so that a bad one gets a clear 400,
never a trace."""

from __future__ import annotations

from datetime import date

from starlette.datastructures import FormData

from paperscope.errors import QueryError

MAX_QUERY_LENGTH = 500
MAX_PAGE = 1000


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
    """A text field of a posted form (`default` if absent or a file)."""
    value = form.get(name, default)
    return value if isinstance(value, str) else default


def form_int(form: FormData, name: str) -> int:
    """A required number field of a posted form, such as `work_id`."""
    value = form.get(name)
    if not isinstance(value, str) or not value.isdigit() or len(value) > 12:
        raise QueryError(f"{name} must be a number")
    return int(value)


def local_path(value: object, default: str) -> str:
    """A path on this site to go back to (a form's `next`); `default` for anything else, so
    it is never an open redirect (`//host` and `/\\host` are other sites to a browser)."""
    text = value if isinstance(value, str) else ""
    return text if text.startswith("/") and not text.startswith(("//", "/\\")) else default
