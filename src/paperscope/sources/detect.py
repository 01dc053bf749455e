"""Which format is this file? Decided by content; the file name is only a hint."""

from __future__ import annotations

import importlib
from functools import cache

from paperscope.errors import UnknownFormatError
from paperscope.sources.base import Format

# Most specific first: a JSON Lines sniffer must not claim an OpenAlex API response.
FORMAT_MODULES = (
    "synthetic",
    "arxiv_atom",
    "arxiv_oai",
    "arxiv_kaggle",
    "openalex",
    "s2_api",
    "s2_bulk",
    "hf_daily",
    "csl_json",
    "aminer_na",
    "aminer_citation",
    "aan",
    "ris",
    "bibtex",
    "listing_text",
)


@cache
def all_formats() -> tuple[Format, ...]:
    formats: list[Format] = []
    for module_name in FORMAT_MODULES:
        module = importlib.import_module(f"paperscope.sources.{module_name}")
        formats.extend(module.FORMATS)
    return tuple(formats)


def format_named(name: str) -> Format:
    for fmt in all_formats():
        if fmt.name == name:
            return fmt
    known = ", ".join(f.name for f in all_formats())
    raise UnknownFormatError(f"unknown format {name!r}; known formats: {known}")


def detect_format(head: bytes, filename: str) -> Format | None:
    """The first format whose sniffer accepts `head`, or None."""
    for fmt in all_formats():
        if _accepts(fmt, head, filename):
            return fmt
    return None


def _accepts(fmt: Format, head: bytes, filename: str) -> bool:
    try:
        return fmt.sniff(head, filename)
    except Exception:  # a hostile head (JSON nested too deeply) is simply not this format
        return False
