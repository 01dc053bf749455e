"""Typed settings, read once at the edge (CLI, web) and passed down; env prefix PAPERSCOPE_."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from paperscope.untrusted import safe_url

MAX_BASE_URL = 500


def proxy_list(value: str) -> list[str]:
    """The entries of a comma-separated `trusted_proxies` setting."""
    return [item.strip() for item in value.split(",") if item.strip()]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PAPERSCOPE_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default=Path("var"), description="Where the database and indexes live.")
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default: an SQLite file `paperscope.db` in data_dir.",
    )
    identity_model_dir: Path | None = Field(
        default=None,
        description=(
            "Where resolve keeps the identity model it trains from the packaged pairs "
            "(~12 s to train; it depends on no corpus, so deployments on one machine can "
            "share one folder); default: data_dir/models."
        ),
    )
    ingest_batch_size: int = Field(default=5000, ge=1, le=100_000)
    ingest_reader: Literal["auto", "process", "inline"] = Field(
        default="auto",
        description=(
            "Where ingest parses: in a second process while this one writes (process), in "
            "the writing process (inline), or in a second one when 1.5 cores sat idle over "
            "the last 0.3 s (auto; docs/operations.md, Ingest)."
        ),
    )
    keyword_engine: Literal["bm25", "native"] = Field(
        default="bm25",
        description=(
            "Who ranks unfiltered keyword searches: a BM25 index beside the database, kept "
            "in step by ingest and rebuilt by the server when behind (bm25), or the "
            "database's own full-text index only (native; filtered searches always use it)."
        ),
    )
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
    identity_topics: Literal["minilm", "tokenlearn", "none"] = Field(
        default="minilm",
        description=(
            "Encoder of the title embeddings that author disambiguation weighs "
            "(docs/people.md); tokenlearn: a static encoder trained on the corpus's titles "
            "(for 100k+ works); none: without them."
        ),
    )
    resolve_workers: int = Field(
        default=0,
        ge=0,
        description=(
            "Processes that cluster name blocks while `resolve` loads and writes "
            "(docs/operations.md); 0: one per core this process may use, 1: none besides it."
        ),
    )
    pages_workers: int = Field(
        default=0,
        ge=0,
        description=(
            "Processes that compute the stored author pages while `paperscope pages` "
            "writes them; 0: one per core this process may use, 1: none besides it."
        ),
    )
    base_url: str = Field(
        default="http://127.0.0.1:8000",
        description=(
            "Public address of the web app (an http or https URL), used in emailed links; "
            "https also turns on Secure cookies and HSTS."
        ),
    )
    host: str = Field(default="127.0.0.1", description="Where `paperscope serve` listens.")
    port: int = Field(default=8000, ge=1, le=65535)
    serve_gc_threshold: int = Field(
        default=20_000,
        ge=0,
        description=(
            "Allocations between the server's youngest garbage collections (Python: 700); "
            "the server also freezes what it loaded at start-up out of every collection. A "
            "prolific author's profile is hundreds of thousands of objects, and with Python's "
            "default each first visit promoted them into full collections that stop every "
            "request (bench/serve_gc.py). 0 keeps Python's behaviour."
        ),
    )
    serve_prewarm: bool = Field(
        default=True,
        description=(
            "As the server starts, ask for the tables the site reads to be read into the "
            "OS cache (up to half the memory available), so that first visits do not wait "
            "for the disk (store.prewarm; at 1M works: author, venue and experts pages' "
            "first visits p95 110-135 ms cold, 46-73 ms read). PostgreSQL: needs its "
            "pg_prewarm extension, which the server creates when the user may."
        ),
    )
    trusted_proxies: str = Field(
        default="",
        description=(
            "Comma-separated addresses or networks (`127.0.0.1,10.0.0.0/8`) of the reverse "
            "proxies in front of the web app: only a request from one of them may set the "
            "client address (X-Forwarded-For, which the per-client rate limits count) and the "
            "scheme (X-Forwarded-Proto). Default: none, the connecting address is the client."
        ),
    )
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

    @field_validator("base_url")
    @classmethod
    def _base_url_is_http(cls, value: str) -> str:
        if safe_url(value) is None:
            raise ValueError(f"base_url must be an http(s) URL, not {value!r}")
        if len(value) > MAX_BASE_URL:  # emailed links must fit one mail header line
            raise ValueError(f"base_url is longer than {MAX_BASE_URL} characters")
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_addresses(cls, value: str) -> str:
        for item in proxy_list(value):
            if item == "*":
                continue
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(
                    f"trusted_proxies holds {item!r}, which is not an IP address or network"
                ) from None
        return value

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'paperscope.db').as_posix()}"

    def resolved_harvest_dir(self) -> Path:
        return self.harvest_dir or self.data_dir / "harvest"

    def resolved_identity_model_dir(self) -> Path:
        return self.identity_model_dir or self.data_dir / "models"
