"""The harvest loop: fetch a page, write it to disk, then record progress; repeat.

The raw page is written before the state moves on, so a crash between the two costs one
refetch of the same page (rewritten under the same name), never a lost or doubled page.
A finished harvest (no next cursor) fetches nothing when run again; one stopped by
`max_pages` continues from its saved cursor when run with a larger `max_pages`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from paperscope.config import Settings
from paperscope.harvest.arxiv import ArxivApiPager, ArxivOAIPager, ArxivOAIQuery, ArxivQuery
from paperscope.harvest.base import HarvestState, Pager, load_state, write_atomic
from paperscope.harvest.http import Clock, PoliteClient, SystemClock, user_agent
from paperscope.harvest.huggingface import HFPager, HFQuery
from paperscope.harvest.openalex import OpenAlexPager, OpenAlexQuery
from paperscope.harvest.semantic_scholar import S2Pager, S2Query

HarvestQuery = ArxivQuery | ArxivOAIQuery | OpenAlexQuery | S2Query | HFQuery
_SLUG_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True, slots=True)
class HarvestResult:
    source: str
    directory: Path
    """The folder holding every page of this query: give it to `ingest_paths`."""
    state_file: Path
    files_written: tuple[Path, ...]
    requests: int
    """HTTP requests sent, retries included."""
    pages_skipped: int
    """Pages already fetched by an earlier run, not fetched again."""
    complete: bool
    """True when the source said there is nothing more (False: stopped by max_pages)."""


def _pager(source: str, query: Any, settings: Settings) -> Pager:
    builders: dict[str, Callable[[], Pager]] = {
        "arxiv": lambda: ArxivApiPager(query),
        "arxiv-oai": lambda: ArxivOAIPager(query),
        "openalex": lambda: OpenAlexPager(query, settings.contact_email, settings.openalex_api_key),
        "s2": lambda: S2Pager(query, settings.s2_api_key),
        "hf": lambda: HFPager(query),
    }
    return builders[source]()


QUERY_TYPES: Mapping[str, type[HarvestQuery]] = {
    "arxiv": ArxivQuery,
    "arxiv-oai": ArxivOAIQuery,
    "openalex": OpenAlexQuery,
    "s2": S2Query,
    "hf": HFQuery,
}
SOURCES = tuple(QUERY_TYPES)


def make_query(source: str, query: HarvestQuery | Mapping[str, Any]) -> HarvestQuery:
    """The source's query object, from itself or from keyword arguments (CLI options)."""
    if source not in QUERY_TYPES:
        raise ValueError(f"unknown harvest source {source!r}; known: {', '.join(SOURCES)}")
    query_type = QUERY_TYPES[source]
    if isinstance(query, Mapping):
        return query_type(**query)
    if not isinstance(query, query_type):
        raise TypeError(f"{source} needs a {query_type.__name__}, not {type(query).__name__}")
    return query


def query_json(query: HarvestQuery) -> dict[str, Any]:
    return json.loads(json.dumps(dataclasses.asdict(query), default=str, sort_keys=True))  # type: ignore[no-any-return]


def query_slug(pager: Pager, query: HarvestQuery) -> str:
    """Readable and unique: the label, then a hash of the whole query."""
    digest = hashlib.sha256(json.dumps(query_json(query), sort_keys=True).encode()).hexdigest()
    label = _SLUG_UNSAFE.sub("_", pager.label()).strip("_")[:60] or "query"
    return f"{label}-{digest[:12]}"


def harvest(
    source: str,
    query: HarvestQuery | Mapping[str, Any],
    settings: Settings,
    *,
    transport: httpx.BaseTransport | None = None,
    clock: Clock | None = None,
    max_pages: int | None = None,
) -> HarvestResult:
    """Fetch pages for `query` from `source` into the harvest dir, resuming a stopped run.

    `source`: one of SOURCES. `max_pages`: total pages for this query across runs.
    """
    typed = make_query(source, query)
    pager = _pager(source, typed, settings)
    base = settings.resolved_harvest_dir() / pager.source
    slug = query_slug(pager, typed)
    directory, state_file = base / slug, base / f"{slug}.state.json"
    state = load_state(state_file) or HarvestState(source, query_json(typed), pager.first())
    skipped = state.pages
    client = PoliteClient(user_agent(settings.contact_email), transport, clock or SystemClock())
    written: list[Path] = []
    with client:
        while not state.done and (max_pages is None or state.pages < max_pages):
            assert state.cursor is not None  # not done
            spec = pager.request(state.cursor)
            response = client.fetch(spec, pager.check)
            path = directory / f"{pager.prefix}-{state.pages + 1:05d}.{pager.suffix}"
            write_atomic(path, pager.raw_file(spec, response))
            state = state.advanced(pager.next(state.cursor, response.content), path.name)
            write_atomic(state_file, state.to_json().encode("utf-8"))
            written.append(path)
    return HarvestResult(
        source, directory, state_file, tuple(written), client.requests, skipped, state.done
    )
