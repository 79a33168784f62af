"""The answering service: one object used by the CLI, the API, the bot and the evaluation."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from llama_index.core.base.embeddings.base import BaseEmbedding

from hoidap.answer.evidence import Matcher, TermStats, key_terms
from hoidap.answer.answer_types import STRICT, names_each_plan
from hoidap.answer.compare import check_verdict, signer_verdict
from hoidap.answer.decision import DEFAULT_PATH, Decision
from hoidap.answer.extractive import Claim, abstain, best_unit, compose, passage_text, select_claims
from hoidap.answer.features import Candidate, QuestionView, candidates, leading_spans, row_label
from hoidap.answer.followup import resolve
from hoidap.answer.generate import GenerationFailed, Generator, generated_answer
from hoidap.answer.memory import Memory, Turn
from hoidap.answer.metadata import (OWN_FIELDS, about_the_plans, compares_plans, first_per, metadata_claims, metadata_fields, names_a_document, named_plan_only, plan_numbers,
                                    PREAMBLE_PARAGRAPHS, blank_reason, day_asked, implemented_numbers, names_by_implemented, own_number_asked, preamble, question_numbers, signing_day_asked,
                                    unnumbered, unsigned_day)
from hoidap.answer.outline import Part, asked_level, outline, outline_answer
from hoidap.answer.spelling import correct_spelling
from hoidap.answer.types import Answer
from hoidap.answer.understanding import Query, figure_asked, is_check, stated_figure, understand
from hoidap.errors import InvalidQuestion
from hoidap.settings import Settings
from hoidap.vietnamese import find_provinces, fold
from hoidap.index import sparse
from hoidap.index.embeddings import build_embedding
from hoidap.index.store import ChunkStore
from hoidap.models import Hit
from hoidap.ingest.originals import Originals
from hoidap.ingest.pipeline import IngestReport, ingest_paths


log = logging.getLogger("hoidap.answer")


def _fallback(answer: Answer) -> Answer:
    answer.mode = "fallback"
    return answer


def _pieces(text: str, size: int = 48) -> Iterator[str]:
    """An already computed answer, cut at spaces into pieces for progressive display."""
    start = 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            space = text.rfind(" ", start, end)
            end = space + 1 if space > start else end
        yield text[start:end]
        start = end


def _interleave(rankings: list[list[Hit]], limit: int) -> list[Hit]:
    """First of each ranking, then second of each...; each passage once."""
    out: dict[str, Hit] = {}
    for rank in range(max(map(len, rankings), default=0)):
        for ranking in rankings:
            if rank < len(ranking):
                out.setdefault(ranking[rank].chunk.id, ranking[rank])
    return list(out.values())[:limit]


# A list question is answered by its whole sentence up to this length: a window cut at CLAIM_CHARS
# drops the items after the cut ("phòng, chống ma túy; bạo lực; xâm hại tình dục; … an toàn giao thông").
# 600, not 500 (round 24): Bắc Ninh's 512-character sentence of emulation movements was quoted from its
# third clause on, without "Dạy tốt, Học tốt, Quản lý tốt" (out of fold 3,924 -> 3,928 of 4,282, none lost).
LIST_CHARS = 600


def _claim(view: QuestionView, cand: Candidate) -> Claim:
    """A candidate as a claim; for a figure question its figures lead the line, those next to the
    question's words first."""
    if view.kind in STRICT:
        shown = _targets_first(view, cand.quote, cand.spans, leading_spans(view.matcher, cand.quote, cand.spans))[:2]
    else:
        shown = [s for s in cand.spans[:1] if s.text not in cand.quote]
    lead = ", ".join(dict.fromkeys(s.text for s in shown))
    whole = view.kind == "list" or (view.kind in _DATE_ASKS and bool(_SEVERAL_DATES.search(fold(view.text))))
    return Claim(cand.hit, _list_quote(cand) if whole else cand.quote, cand.features["cov"], lead)


# A table row reads "… — Năm học 2023-2024, chỉ tiêu đạt được: 51,8%; Năm học 2024-2025, chỉ tiêu phấn đấu: 52,4%"
_TARGET_BEFORE = re.compile(r"phan dau\W{0,3}$")
# "tăng bao nhiêu so với năm học trước": the change between the two years' figures
_CHANGE_ASKED = re.compile(r"\b(?:tang|giam|so voi|thay doi|chenh lech)\b")
# "đã đạt được bao nhiêu", "năm học trước", "hiện có": the figure reached, not the one aimed at
_PAST_ASKED = re.compile(r"\b(?:dat duoc|da dat|nam hoc truoc|nam truoc|hien (?:co|nay|tai)|2023 ?- ?2024)\b")


def _targets_first(view: QuestionView, quote: str, spans: list, leading: list) -> list:
    """A table row's target ("chỉ tiêu phấn đấu: 52,4%") leads before the figure reached the year before,
    unless the question asks what was reached: "Lai Châu đặt chỉ tiêu bao nhiêu %" is answered 52,4%."""
    if row_label(quote) is None:
        return leading
    asked = fold(view.text)
    if _CHANGE_ASKED.search(asked):
        return spans  # both years' figures
    if view.present or _PAST_ASKED.search(asked):
        return leading
    folded = fold(quote)
    return [sp for sp in spans if _TARGET_BEFORE.search(folded[max(0, sp.start - 14):sp.start])] or leading


# "những mốc thời hạn báo cáo nào": the dates run on in one sentence ("trước ngày 15/9/2024; sơ kết … trước ngày
# 31/01/2025; tổng kết … trước ngày 25/6/2025"), quoted whole as a list is
_SEVERAL_DATES = re.compile(r"\b(?:nhung|cac) (?:moc|thoi han|han|ngay|dot)\b")
_DATE_ASKS = frozenset({"date", "deadline", "when"})


def _list_quote(cand: Candidate) -> str:
    """A list's whole sentence, or, when that is longer than LIST_CHARS, the window run on to the
    last clause end within LIST_CHARS ("… sách giáo khoa điện tử, phần mềm mô phỏng và các học liệu khác;")."""
    sentence, quote = cand.sentence, cand.quote
    if len(sentence) <= LIST_CHARS:
        return sentence
    at = sentence.find(quote)
    if at < 0:
        return quote
    run = sentence[at:at + LIST_CHARS]
    if at + LIST_CHARS >= len(sentence):
        return run
    cut = max(run.rfind("; "), run.rfind(". "))
    return run[:cut + 1] if cut >= len(quote) else quote


class AnswerService:
    """Owns the index, the embedding model and corpus statistics; all load lazily, once."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._store: ChunkStore | None = None
        self._embedding: BaseEmbedding | None = None
        self._stats: TermStats | None = None
        self._provinces: set[str] | None = None
        self._plan_numbers: dict[str, str] | None = None
        self._memory: Memory | None = None
        self._generator: Generator | None = None
        self._decision: Decision | None = None
        self._owner = True
        self._lock = threading.RLock()

    def derive(self, **overrides: object) -> "AnswerService":
        """A service with some settings changed that shares this one's index, models and memory
        (e.g. another retrieval mode or an LLM for one app) — the embedded index allows one opener."""
        twin = AnswerService(self.settings.model_copy(update=overrides))
        twin._store, twin._embedding, twin._stats = self.store, self._embedding, self._stats
        twin._provinces, twin._memory, twin._lock = self._provinces, self._memory, self._lock
        twin._plan_numbers = self._plan_numbers
        twin._owner = False
        return twin

    @property
    def store(self) -> ChunkStore:
        with self._lock:
            if self._store is None:
                self._store = ChunkStore(self.settings)
                self._refresh_keywords(self._store)
            return self._store

    @staticmethod
    def _refresh_keywords(store: ChunkStore) -> None:
        """An index written by an earlier version of the keyword terms is brought up to date once,
        from its stored texts, so its keyword search matches what questions are now split into."""
        for source in store.stale_keyword_sources():
            n = store.refresh_keywords(source)
            log.warning("keyword vectors of %s (%d chunks) recomputed for keyword format %d", source, n, sparse.FORMAT)

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
    def decision(self) -> Decision:
        """The learned answer/abstain model (answer/decision.json unless HOIDAP_DECISION_PATH says)."""
        with self._lock:
            if self._decision is None:
                self._decision = Decision.load(self.settings.decision_path or DEFAULT_PATH)
            return self._decision

    @decision.setter
    def decision(self, value: Decision) -> None:
        self._decision = value

    @property
    def provinces(self) -> set[str]:
        """Provinces that indexed plans cover (cached until the index changes)."""
        with self._lock:
            if self._provinces is None:
                self._provinces = self.store.provinces()
            return self._provinces

    def _index_changed(self, added: list[str] | None = None) -> None:
        """Forget cached statistics; plans only added are counted in (a full recount of 100,000
        chunks takes minutes)."""
        if added is not None and self._stats is not None:
            if added:
                self._stats.add(self.store.all_texts(added))
        else:
            self._stats = None
        self._provinces = None
        self._plan_numbers = None

    def close(self) -> None:
        """Release the index and memory (a derived service leaves them to its origin)."""
        if not self._owner:
            return
        if self._store is not None:
            self._store.close()
            self._store = None
        if self._memory is not None:
            self._memory.close()
            self._memory = None

    # -- documents -------------------------------------------------------------------
    def ingest(self, paths: list[Path], progress: bool = False) -> IngestReport:
        with self._lock:
            embedding = None if self.settings.retrieval_mode == "sparse" else self.embedding
            report = ingest_paths(paths, self.store, embedding, self.settings.chunk_max_chars, progress,
                                  self.settings.embedding_batch_size, self.settings.optimize_every, self.originals)
            self._index_changed(None if report.replaced else report.added)
            return report

    @property
    def originals(self) -> Originals:
        """The kept original files, which citations link to."""
        return Originals(self.settings.data_dir / "originals")

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
            self.originals.remove(source)
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
        query = understand(correct_spelling(self.validate(question), self.stats), self.provinces)
        if province and not query.provinces:
            query.provinces = find_provinces(province, self.provinces) or [province]
        if not query.provinces:  # "kế hoạch 3707 …" names Lai Châu's plan
            query.provinces = sorted({self.plan_numbers[n] for n in question_numbers(query.question) if n in self.plan_numbers})
        return query

    @property
    def plan_numbers(self) -> dict[str, str]:
        """Numbers that name an indexed plan, with its province (cached until the index changes)."""
        with self._lock:
            if self._plan_numbers is None:
                self._plan_numbers = plan_numbers(self.store.documents())
            return self._plan_numbers

    def retrieve(self, query: Query, top_k: int | None = None) -> list[Hit]:
        """The passages that best match; a question naming several provinces gets each province's
        best passages in turn, so one plan's many matches do not crowd out the other's."""
        mode = self.settings.retrieval_mode
        text = query.search_text
        limit = top_k or self.settings.top_k
        # "muc tieu chi ngan sach": the small model ranks unaccented questions little better than chance, and its
        # ranking, fused in, buried Sơn La's 20 %; a zero weight keeps the fused scores' scale the decision was fitted
        # on, and the question is not embedded at all
        weight = 0.0 if not (query.accented or self.settings.unaccented_dense) else None
        dense = None if mode == "sparse" or weight == 0.0 else self.embedding.get_query_embedding(text)
        if len(query.provinces) < 2:
            return self.store.search(text, dense, limit, query.provinces or None, mode, weight)
        rankings = [self.store.search(text, dense, limit, [p], mode, weight) for p in query.provinces]
        return _interleave(rankings, limit)

    def search(self, text: str, top_k: int | None = None, province: str | None = None) -> list[Hit]:
        return self.retrieve(self.understand(text, province), top_k)

    @property
    def memory(self) -> Memory:
        with self._lock:
            if self._memory is None:
                self._memory = Memory(
                    self.settings.state_url,
                    self.settings.conversation_max_turns,
                    self.settings.conversation_max_age_s,
                )
            return self._memory

    @property
    def generator(self) -> Generator | None:
        """The LLM answerer when HOIDAP_LLM_BASE_URL is set, else None (extractive answers)."""
        with self._lock:
            if self._generator is None and self.settings.llm_base_url:
                self._generator = Generator(self.settings)
            return self._generator

    def ask(self, question: str, province: str | None = None, conversation_id: str | None = None) -> Answer:
        """Answer a question; with a conversation id, follow-ups are read in the light of earlier turns."""
        question, query = self._prepare(question, province, conversation_id)
        hits, extractive = self._extract(query)
        answer = self._generate(query, hits, extractive)
        return self._finish(conversation_id, question, query, answer)

    def ask_stream(
        self, question: str, province: str | None = None, conversation_id: str | None = None
    ) -> Iterator[tuple[str, object]]:
        """The same answer as ask(), as events: ("meta", dict), ("delta", text)..., ("done", Answer).

        With an LLM the deltas are its tokens and the final answer is the verified one
        (it may differ from the streamed text, or be the extractive fallback).
        """
        question, query = self._prepare(question, province, conversation_id)
        hits, extractive = self._extract(query)
        generator = self.generator if hits else None
        yield "meta", {"conversation_id": conversation_id, "resolved_question": query.question,
                       "mode": "generated" if generator else "extractive"}
        if generator is None:
            for piece in _pieces(extractive.answer):
                yield "delta", piece
            answer = extractive
        else:
            answer = yield from self._stream_generation(generator, query, hits, extractive)
        yield "done", self._finish(conversation_id, question, query, answer)

    def _prepare(self, question: str, province: str | None, conversation_id: str | None) -> tuple[str, Query]:
        question = self.validate(question)
        if conversation_id is None:
            return question, self.understand(question, province)
        resolved = resolve(question, self.memory.history(conversation_id), self.provinces)
        return question, self.understand(resolved, province)

    def _finish(self, conversation_id: str | None, question: str, query: Query, answer: Answer) -> Answer:
        if conversation_id is not None:
            answer.question, answer.resolved_question, answer.conversation_id = question, query.question, conversation_id
            self.memory.add_turn(conversation_id, Turn(question, query.question, query.provinces, answer.answer, time.time()))
        return answer

    def _extract(self, query: Query, again: bool = False) -> tuple[list[Hit], Answer]:
        """Retrieval and the extractive answer (the default, and the fallback of generation)."""
        unknown = ", ".join(self._unknown_provinces(query))
        no_plan = f"Chưa có văn bản nào của {unknown} trong hệ thống, nên không thể trả lời"
        if unknown and not query.provinces:
            return [], abstain(query, [], f"{no_plan}.")
        checked = None if again else figure_asked(query.question)
        if checked and is_check(query.question):
            # "nghe nói HB phấn đấu tốt nghiệp THPT trên 90%, có đúng không": the plan's own figure for that
            # topic answers (95,5 %), not another passage that happens to state 90 % (trẻ khuyết tật)
            hits, answer = self._extract(self._figure_query(checked, query), again=True)
            if not answer.abstained:
                answer.answer = check_verdict(stated_figure(query.question), answer) + "\n" + answer.answer
                answer.question = query.question
                return hits, answer
            checked = None
        hits = named_plan_only(query.question, self.retrieve(query), self.plan_numbers,
                               query.compares or names_each_plan(query.question))
        level = asked_level(query.question)
        plans = self._outlines(query, hits, level) if level else []
        if plans:
            answer = outline_answer(query, plans, level)
            if unknown:  # "kế hoạch của Điện Biên và Lai Châu gồm những phần nào": Lai Châu's parts, and a word on Điện Biên
                answer.answer += f"\n{no_plan} cho {unknown}."
            return hits, answer
        matcher = Matcher(key_terms(query.text), self.stats)
        if self.settings.answer_decision == "rules":
            claims = select_claims(hits, matcher, query, self.settings.min_coverage, self.settings.max_answer_claims)
            related = [best_unit(h, matcher, query) for h in hits[:3]]
        else:
            claims, related = self._learned_claims(query, hits)
        if unknown:
            # "Điện Biên … so với Lai Châu": what is asked of the province without a plan is not there; what the
            # named plans say is shown apart, never as that province's answer
            return hits, abstain(query, claims[:3] or related, f"{no_plan} cho {unknown}.")
        fields = metadata_fields(query.question)
        named = self._numbers_named(query, hits) if fields else (set(), False)
        blank = self._blank_fields(query, hits, fields, named[1])
        if blank:
            plan = hits[0].chunk.metadata
            header = metadata_claims(["date"], hits[:1], self.store, False)
            shown = " ".join(c.text for c in self.store.chunks(hits[0].chunk.source)[:2]) if "number" in blank else None
            return hits, abstain(query, header or related, blank_reason(plan.title, plan.date if "date" in blank else None, shown,
                                                                          "signer" in blank))
        if fields and (claims or self.settings.answer_decision == "rules" or names_a_document(query.question)):
            claims = self._prefer_metadata(fields, hits, claims, matcher, query, named) or claims
        if not claims:
            if checked:
                # "tỉnh nào đặt 25%": no plan states that figure; the ones plans do state answer
                return self._extract(self._figure_query(checked, query), again=True)
            return hits, abstain(query, related)
        answer = compose(query, claims)
        verdict = signer_verdict(query.question, answer) if fields == ["signer"] and is_check(query.question) else ""
        answer.answer = f"{verdict}\n{answer.answer}" if verdict else answer.answer
        return hits, answer

    def _figure_query(self, checked: str, query: Query) -> Query:
        """The figure question a check of a stated percentage stands for, in the provinces of the message."""
        figure = self.understand(checked)
        figure.provinces = figure.provinces or query.provinces  # a province chosen beside the message
        return figure

    def view(self, query: Query) -> QuestionView:
        return QuestionView.build(query.question, query.text, self.stats)

    def _learned_claims(self, query: Query, hits: list[Hit]) -> tuple[list[Claim], list[Claim]]:
        """Claims the learned decision answers with (none = abstain) and the related passages shown
        when it abstains (the three passages whose best window the ranker rates highest)."""
        view = self.view(query)
        cands = candidates(view, hits)
        named = tuple(query.provinces) if len(query.provinces) > 1 else ()
        chosen = self.decision.choose(view, cands, self.settings.max_answer_claims,
                                      all_plans=not query.provinces or query.compares, named=named)
        related = [_claim(view, c) for c in self.decision.closest(cands, 3)]
        return [_claim(view, c) for c in chosen], related

    def _generate(self, query: Query, hits: list[Hit], extractive: Answer) -> Answer:
        """A verified LLM answer when one is configured; the extractive answer otherwise or on failure."""
        generator = self.generator
        if generator is None or not hits:
            return extractive
        passages = hits[: self.settings.llm_passages]
        try:
            text = generator.complete(query.question, passages)
        except GenerationFailed as exc:
            log.warning("LLM failed (%s); extractive answer used", exc)
            return _fallback(extractive)
        return generated_answer(text, passages, query.question) or _fallback(extractive)

    def _stream_generation(self, generator: Generator, query: Query, hits: list[Hit], extractive: Answer):
        passages = hits[: self.settings.llm_passages]
        parts: list[str] = []
        try:
            for delta in generator.stream(query.question, passages):
                parts.append(delta)
                yield "delta", delta
        except GenerationFailed as exc:
            log.warning("LLM stream failed (%s); extractive answer used", exc)
            return _fallback(extractive)
        return generated_answer("".join(parts), passages, query.question) or _fallback(extractive)

    def _prefer_metadata(self, fields: list[str], hits: list[Hit], claims: list, matcher: Matcher, query: Query,
                         named: tuple[set[str], bool]) -> list:
        """Metadata paragraphs answer "who signed / which number / what date" when they fit the
        question at least as well as the best passage (the question may be about another text).
        named: _numbers_named of the question and hits."""
        meta = metadata_claims(fields, hits, self.store, query.compares, day_asked(query.question))
        if not meta:
            return []
        # "ai ban hành kế hoạch năm học Sơn La": who issued the plan itself, unless another text is named by number
        implemented, names_other = named
        # "kế hoạch nhiệm vụ năm học của sơn la ban hành ngày nào": the province's own plan, not the Bộ's plan of that name
        own_day = signing_day_asked(query.question) and bool(query.provinces) and about_the_plans(query.question)
        about_plan = ("issuer" in fields or bool(implemented) or own_number_asked(query.question, hits[0].chunk.metadata.title)
                      or own_day) and not names_other
        side_by_side = len(query.provinces) > 1 and about_the_plans(query.question) and not names_other
        if OWN_FIELDS & set(fields) or about_plan or not claims or compares_plans(query.question) or side_by_side:
            return meta
        best = max(matcher.coverage(passage_text(c.hit)) for c in claims)
        mine = max(matcher.coverage(passage_text(c.hit)) for c in meta)
        return meta if mine >= best - 0.1 else []

    def _numbers_named(self, query: Query, hits: list[Hit]) -> tuple[set[str], bool]:
        """The numbers by which the question names a plan through the text it implements, and whether
        it names some other text by number (then that text's fields are asked, not the plan's)."""
        own = {n for h in hits for n in question_numbers(h.chunk.metadata.number)}
        plans = {h.chunk.source: h.chunk.metadata.title for h in hits}
        implemented = {n for source, title in plans.items()
                       for n in implemented_numbers(query.question, title, self._preamble(source, query.question))}
        return implemented, bool(question_numbers(query.question) - own - implemented)

    def _preamble(self, source: str, question: str) -> str:
        """A plan's opening "Thực hiện …" paragraph, read only when the question says what a plan implements."""
        if not names_by_implemented(question):
            return ""
        return preamble([c.text for c in self.store.chunks(source)[:PREAMBLE_PARAGRAPHS]])

    def _blank_fields(self, query: Query, hits: list[Hit], fields: list[str], names_other: bool) -> list[str]:
        """"Kế hoạch … của sở ký ngày mấy, số hiệu văn bản là gì", "ai ký quyết định 1899" about one plan that
        gives no day, no number or no signer's name: the fields asked that it leaves blank, to say so rather
        than quote another text's (names_other: the question names some other text by number)."""
        if not ({"date", "number"} & set(fields) or fields == ["signer"]) or not hits or query.compares or len(query.provinces) > 1 \
                or names_other:
            return []
        plan = hits[0].chunk.metadata
        if not (about_the_plans(query.question) or question_numbers(query.question) & question_numbers(plan.number)):
            return []  # "ai ký quyết định 1899": the plan named by its own number
        return [name for name, blank in (("date", "date" in fields and unsigned_day(query.question, plan.date)),
                                         ("number", "number" in fields and unnumbered(query.question, plan.number, plan.title)),
                                         ("signer", fields == ["signer"] and not plan.signer)) if blank]

    def _outlines(self, query: Query, hits: list[Hit], level: str) -> list[tuple[Hit, list[Part]]]:
        """The outline of the plan the question is about: the best-matching plan of each province
        it names, or the best-matching plan overall."""
        firsts = first_per(hits, lambda h: h.chunk.metadata.province if len(query.provinces) > 1 else "_")
        plans = [(hit, outline(self.store.chunks(hit.chunk.source), level)) for hit in firsts]
        return [(hit, parts) for hit, parts in plans if len(parts) >= 2]

    def _unknown_provinces(self, query: Query) -> list[str]:
        """Provinces named in the question that no indexed plan covers."""
        return [p for p in find_provinces(query.question) if p not in self.provinces]
