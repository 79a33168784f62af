"""The answering service: one object used by the CLI, the API, the bot and the evaluation."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from llama_index.core.base.embeddings.base import BaseEmbedding

from answer.evidence import Matcher, TermStats, key_terms
from answer.extractive import abstain, best_unit, compose, passage_text, select_claims
from answer.followup import resolve
from answer.memory import Memory, Turn
from answer.metadata import metadata_claims, metadata_fields
from answer.types import Answer
from answer.understanding import Query, understand
from hoidap.errors import InvalidQuestion
from hoidap.settings import Settings
from hoidap.vietnamese import find_provinces
from index.embeddings import build_embedding
from index.store import ChunkStore, Hit
from ingest.pipeline import IngestReport, ingest_paths


class AnswerService:
    """Owns the index, the embedding model and corpus statistics; all load lazily, once."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._store: ChunkStore | None = None
        self._embedding: BaseEmbedding | None = None
        self._stats: TermStats | None = None
        self._provinces: set[str] | None = None
        self._memory: Memory | None = None
        self._lock = threading.RLock()

    @property
    def store(self) -> ChunkStore:
        with self._lock:
            if self._store is None:
                self._store = ChunkStore(self.settings)
            return self._store

    @property
    def embedding(self) -> BaseEmbedding:
        with self._lock:
            if self._embedding is None:
                self._embedding = build_embedding(self.settings)
            return self._embedding

    @property
    def stats(self) -> TermStats:
        with self._lock:
            if self._stats is None:
                self._stats = TermStats(self.store.all_texts())
            return self._stats

    @property
    def provinces(self) -> set[str]:
        """Provinces that indexed plans cover (cached until the index changes)."""
        with self._lock:
            if self._provinces is None:
                self._provinces = self.store.provinces()
            return self._provinces

    def _index_changed(self) -> None:
        self._stats = None
        self._provinces = None

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
        if self._memory is not None:
            self._memory.close()
            self._memory = None

    # -- documents -------------------------------------------------------------------
    def ingest(self, paths: list[Path], progress: bool = False) -> IngestReport:
        with self._lock:
            report = ingest_paths(paths, self.store, self.embedding, self.settings.chunk_max_chars, progress)
            self._index_changed()
            return report

    def ensure_sample_corpus(self) -> IngestReport | None:
        """An empty index gets the bundled sample plans, so a first start has something to answer."""
        if self.store.count() == 0:
            return self.ingest([self.settings.sample_corpus])
        return None

    def documents(self) -> list[dict]:
        return self.store.documents()

    def delete(self, source: str) -> int:
        with self._lock:
            n = self.store.delete_document(source)
            self._index_changed()
            return n

    # -- questions -------------------------------------------------------------------
    def validate(self, question: str) -> str:
        """The question stripped, or InvalidQuestion saying precisely what is wrong."""
        if not isinstance(question, str) or not question.strip():
            raise InvalidQuestion("Câu hỏi trống: hãy nhập nội dung cần hỏi (the question is empty).")
        if len(question) > self.settings.max_question_chars:
            raise InvalidQuestion(
                f"Câu hỏi quá dài: {len(question)} ký tự, tối đa {self.settings.max_question_chars} "
                "(question too long)."
            )
        return question.strip()

    def understand(self, question: str, province: str | None = None) -> Query:
        query = understand(self.validate(question), self.provinces)
        if province and not query.provinces:
            query.provinces = find_provinces(province, self.provinces) or [province]
        return query

    def retrieve(self, query: Query, top_k: int | None = None) -> list[Hit]:
        mode = self.settings.retrieval_mode
        dense = None if mode == "sparse" else self.embedding.get_query_embedding(query.text)
        return self.store.search(query.text, dense, top_k or self.settings.top_k, query.provinces or None, mode)

    def search(self, text: str, top_k: int | None = None, province: str | None = None) -> list[Hit]:
        return self.retrieve(self.understand(text, province), top_k)

    @property
    def memory(self) -> Memory:
        with self._lock:
            if self._memory is None:
                self._memory = Memory(
                    self.settings.data_dir / "state.sqlite",
                    self.settings.conversation_max_turns,
                    self.settings.conversation_max_age_s,
                )
            return self._memory

    def ask(self, question: str, province: str | None = None, conversation_id: str | None = None) -> Answer:
        """Answer a question; with a conversation id, follow-ups are read in the light of earlier turns."""
        question = self.validate(question)
        if conversation_id is None:
            return self._answer(self.understand(question, province))
        resolved = resolve(question, self.memory.history(conversation_id), self.provinces)
        query = self.understand(resolved, province)
        answer = self._answer(query)
        answer.question, answer.resolved_question, answer.conversation_id = question, resolved, conversation_id
        self.memory.add_turn(conversation_id, Turn(question, resolved, query.provinces, answer.answer, time.time()))
        return answer

    def _answer(self, query: Query) -> Answer:
        unknown = self._unknown_provinces(query)
        hits = self.retrieve(query) if not unknown else []
        matcher = Matcher(key_terms(query.text), self.stats)
        if unknown:
            names = ", ".join(unknown)
            return abstain(query, [], f"Chưa có văn bản nào của {names} trong hệ thống, nên không thể trả lời.")
        claims = select_claims(hits, matcher, query, self.settings.min_coverage, self.settings.max_answer_claims)
        fields = metadata_fields(query.question)
        if fields:
            claims = self._prefer_metadata(fields, hits, claims, matcher, query) or claims
        if not claims:
            return abstain(query, [best_unit(h, matcher, query) for h in hits[:3]])
        return compose(query, claims)

    def _prefer_metadata(self, fields: list[str], hits: list[Hit], claims: list, matcher: Matcher, query: Query) -> list:
        """Metadata paragraphs answer "who signed / which number / what date" when they fit the
        question at least as well as the best passage (the question may be about another text)."""
        meta = metadata_claims(fields, hits, self.store, len(query.provinces) > 1)
        if not meta:
            return []
        if "signer" in fields or not claims:
            return meta
        best = max(matcher.coverage(passage_text(c.hit)) for c in claims)
        mine = max(matcher.coverage(passage_text(c.hit)) for c in meta)
        return meta if mine >= best - 0.1 else []

    def _unknown_provinces(self, query: Query) -> list[str]:
        """Provinces named in the question that no indexed plan covers."""
        if query.provinces:
            return []
        named = find_provinces(query.question)
        known = self.provinces
        return [p for p in named if p not in known]
