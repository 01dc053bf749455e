"""Typed settings, read once at the edge (CLI, web) and passed down; env prefix PAPERSCOPE_."""

from __future__ import annotations

from pathlib import Path

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

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'paperscope.db').as_posix()}"
