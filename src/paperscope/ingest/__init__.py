"""The ingest stage: parse files, validate, merge duplicates, quarantine what is malformed."""

from paperscope.ingest.counts import IngestCounts
from paperscope.ingest.pipeline import ingest_paths, ingest_stream

__all__ = ["IngestCounts", "ingest_paths", "ingest_stream"]
