"""Typed settings, read once at the edge (CLI, web) and passed down; env prefix PAPERSCOPE_."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PAPERSCOPE_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default=Path("var"), description="Where the database and indexes live.")
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default: an SQLite file `paperscope.db` in data_dir.",
    )
    ingest_batch_size: int = Field(default=5000, ge=1, le=100_000)
    contact_email: str | None = Field(
        default=None,
        description="Named in the harvest User-Agent and sent as OpenAlex `mailto` (polite pool).",
    )
    openalex_api_key: str | None = Field(default=None, description="OpenAlex `api_key`.")
    s2_api_key: str | None = Field(
        default=None, description="Semantic Scholar API key, sent as `x-api-key`."
    )
    harvest_queries: list[dict[str, Any]] = Field(
        default_factory=list,
        description=(
            "What `paperscope update` harvests, as JSON: a list of objects with a `source` and "
            'that source\'s query fields, e.g. [{"source": "arxiv", "category": "cs.CL", '
            '"days": 2}, {"source": "hf", "days": 1}]; `days` makes a window ending today.'
        ),
    )
    harvest_dir: Path | None = Field(
        default=None, description="Where harvested raw responses go; default: data_dir/harvest."
    )

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'paperscope.db').as_posix()}"

    def resolved_harvest_dir(self) -> Path:
        return self.harvest_dir or self.data_dir / "harvest"
