"""Hugging Face Daily Papers: one request per day, `/api/daily_papers?date=YYYY-MM-DD`.

The cursor is the day. Files are named `daily-NNNNN.json` because the `hf-daily` format
recognises a day without papers (`[]`) only by a file name that says `daily`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import httpx

from paperscope.harvest.base import Cursor, check_json
from paperscope.harvest.http import IncompleteResponseError, RequestSpec

DAILY_URL = "https://huggingface.co/api/daily_papers"


@dataclass(frozen=True, slots=True)
class HFQuery:
    date_from: date
    date_until: date | None = None
    """Last day, inclusive; default: date_from alone."""


@dataclass(frozen=True, slots=True)
class HFPager:
    query: HFQuery
    source: str = "hf"
    suffix: str = "json"
    prefix: str = "daily"

    def label(self) -> str:
        return "daily"

    def first(self) -> Cursor:
        return self.query.date_from.isoformat()

    def request(self, cursor: Cursor) -> RequestSpec:
        return RequestSpec("GET", DAILY_URL, (("date", str(cursor)),))

    def check(self, body: bytes) -> None:
        if not isinstance(check_json(body), list):
            raise IncompleteResponseError("daily papers response is not a JSON list")

    def next(self, cursor: Cursor, body: bytes) -> Cursor | None:
        day = date.fromisoformat(str(cursor)) + timedelta(days=1)
        last = self.query.date_until or self.query.date_from
        return day.isoformat() if day <= last else None

    def raw_file(self, spec: RequestSpec, response: httpx.Response) -> bytes:
        return response.content
