"""A small error hierarchy; the edges (CLI, web) translate these into exit codes and statuses."""


class PaperscopeError(Exception):
    """Base of every error paperscope raises on purpose."""

    exit_code = 1


class ConfigError(PaperscopeError):
    """Settings are missing or contradict each other."""

    exit_code = 2


class UnknownFormatError(PaperscopeError):
    """A file's format could not be detected, or the named format does not exist."""

    exit_code = 2


class MalformedRecordError(PaperscopeError):
    """A record could not be ingested; raised only in strict mode, otherwise quarantined."""

    exit_code = 3

    def __init__(self, file: str, position: str, field: str | None, reason: str) -> None:
        self.file = file
        self.position = position
        self.field = field
        self.reason = reason
        where = f"{file}: {position}" + (f", field {field!r}" if field else "")
        super().__init__(f"{where}: {reason}")


class QueryError(PaperscopeError):
    """A user's query or parameter cannot be run (bad syntax, unknown filter, out of range)."""

    exit_code = 2


class NotFoundError(PaperscopeError):
    """A work, person or other named thing does not exist."""

    exit_code = 1


class ForbiddenError(PaperscopeError):
    """The user may not do this (not an admin, not the profile's owner, their own claim)."""

    exit_code = 77  # EX_NOPERM


class StoreError(PaperscopeError):
    """The database could not be opened, migrated or written."""

    exit_code = 4
