"""The harvest stage: live APIs -> raw response files on disk, politely and resumably.

`harvest(source, query, settings)` fetches pages into `<harvest_dir>/<source>/<query-slug>/`
and keeps a state file beside that folder; `paperscope.ingest.ingest_paths` reads the folder.
"""

from paperscope.harvest.arxiv import ArxivOAIQuery, ArxivQuery
from paperscope.harvest.http import Clock, HarvestError, RetryPolicy, SystemClock
from paperscope.harvest.huggingface import HFQuery
from paperscope.harvest.openalex import OpenAlexQuery
from paperscope.harvest.runner import SOURCES, HarvestQuery, HarvestResult, harvest, make_query
from paperscope.harvest.semantic_scholar import S2Query

__all__ = [
    "SOURCES",
    "ArxivOAIQuery",
    "ArxivQuery",
    "Clock",
    "HFQuery",
    "HarvestError",
    "HarvestQuery",
    "HarvestResult",
    "OpenAlexQuery",
    "RetryPolicy",
    "S2Query",
    "SystemClock",
    "harvest",
    "make_query",
]
