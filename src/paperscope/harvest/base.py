"""What every source harvester provides, the resumable state, and atomic file writing.

A harvester is a `Pager`: it turns a cursor (an offset, a page token, a date) into a request,
checks the response body is whole, says which cursor comes next (None at the end), and names
the bytes to keep on disk. The runner owns the loop, the files and the state.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

import httpx

from paperscope.harvest.http import IncompleteResponseError, RequestSpec

Cursor = str | int


class Pager(Protocol):
    @property
    def source(self) -> str:
        """Folder name under the harvest dir."""
        ...

    @property
    def suffix(self) -> str:
        """File extension of the saved pages (`xml`, `json`, `yaml`)."""
        ...

    @property
    def prefix(self) -> str:
        """File name stem of the saved pages (`page`)."""
        ...

    def label(self) -> str:
        """A short readable name for the query, used in its folder name."""
        ...

    def first(self) -> Cursor: ...

    def request(self, cursor: Cursor) -> RequestSpec: ...

    def check(self, body: bytes) -> None:
        """Raise IncompleteResponseError when the body is cut short or unreadable."""
        ...

    def next(self, cursor: Cursor, body: bytes) -> Cursor | None: ...

    def raw_file(self, spec: RequestSpec, response: httpx.Response) -> bytes: ...


@dataclass(frozen=True, slots=True)
class HarvestState:
    """Where a harvest of one (source, query) stands; saved after every page."""

    source: str
    query: dict[str, Any]
    cursor: Cursor | None
    pages: int = 0
    files: tuple[str, ...] = ()

    @property
    def done(self) -> bool:
        return self.cursor is None

    def advanced(self, cursor: Cursor | None, file_name: str) -> HarvestState:
        return replace(self, cursor=cursor, pages=self.pages + 1, files=(*self.files, file_name))

    def to_json(self) -> str:
        data = {
            "source": self.source,
            "query": self.query,
            "cursor": self.cursor,
            "pages": self.pages,
            "done": self.done,
            "files": list(self.files),
        }
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> HarvestState:
        data = json.loads(text)
        return cls(
            source=data["source"],
            query=data["query"],
            cursor=data["cursor"],
            pages=int(data["pages"]),
            files=tuple(data["files"]),
        )


def load_state(path: Path) -> HarvestState | None:
    return HarvestState.from_json(path.read_text("utf-8")) if path.exists() else None


def write_atomic(path: Path, data: bytes) -> None:
    """Write via a temporary file and rename, so a crash never leaves half a page behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def check_json(body: bytes) -> Any:
    """The decoded JSON body; a body that does not parse was most likely cut short."""
    try:
        return json.loads(body)
    except ValueError as error:
        raise IncompleteResponseError(f"JSON does not parse: {error}") from error
