"""Typed settings, read once at the edge (CLI, web) and passed down; env prefix PAPERSCOPE_."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

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
    max_record_bytes: int = Field(
        default=8 << 20,
        ge=1024,
        description=(
            "The largest record ingest reads (a JSON line or array element, a BibTeX entry, "
            "an XML entry, a text block); a larger one is quarantined with an excerpt."
        ),
    )
    max_document_bytes: int = Field(
        default=64 << 20,
        ge=1024,
        description=(
            "The largest API-response document ingest reads (a JSON or XML response, a YAML "
            "cassette and the bodies in it), after decompression; the rest of a larger one "
            "is quarantined. JSON Lines, BibTeX and text dumps have no such limit."
        ),
    )
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

    embedding_model: str = Field(
        default="minilm",
        description="Encoder for semantic search, novelty and personal ranking (docs/search.md).",
    )
    identity_topics: Literal["minilm", "none"] = Field(
        default="minilm",
        description=(
            "Encoder of the title embeddings that author disambiguation weighs "
            "(docs/people.md); none: without them."
        ),
    )
    base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Public address of the web app, used in emailed links.",
    )
    host: str = Field(default="127.0.0.1", description="Where `paperscope serve` listens.")
    port: int = Field(default=8000, ge=1, le=65535)
    secret_key: str | None = Field(
        default=None,
        description="Signs sessions and emailed links; default: a random key kept in data_dir.",
    )
    smtp_host: str = Field(default="127.0.0.1", description="SMTP server for digests.")
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_security: str = Field(default="none", description="none, starttls or ssl.")
    smtp_username: str | None = None
    smtp_password: str | None = None
    mail_from: str = Field(default="paperscope <digest@localhost>")

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'paperscope.db').as_posix()}"

    def resolved_harvest_dir(self) -> Path:
        return self.harvest_dir or self.data_dir / "harvest"
