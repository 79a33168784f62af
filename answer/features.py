"""Candidate claims and the features the learned decision scores them by.

A candidate is a short window of a retrieved passage (a sentence, or a run of its clauses
of at most CLAIM_CHARS characters) — the text an answer would quote. Its features say how
well it matches the question (several ways), where its passage ranked, and whether it holds
a value of the kind the question asks for that the question did not already state.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from hoidap.answer.answer_types import ACCEPTS, STRICT, expected_type
from hoidap.answer.evidence import Matcher, TermStats, key_terms
from hoidap.answer.paraphrase import rewrite
from hoidap.answer.spans import Span, digits, find_spans
from hoidap.models import Hit
from hoidap.vietnamese import fold, split_sentences, words

CLAIM_CHARS = 250
_PIECE_END = re.compile(r"[;:]\s+|,\s+(?=\D)")

FEATURES = (
    "cov", "cov_text", "cov_sentence", "cov_passage", "cov_folded", "cov_paraphrase", "section_cov",
    "anchor", "anchor_passage", "rare_topic", "inv_rank", "score_rel",
    "type_match", "type_exact", "new_number", "span_near", "strict", "length",
)


@dataclass
class Candidate:
    hit: Hit
    rank: int
    quote: str  # verbatim window of hit.chunk.text
    features: dict[str, float] = field(default_factory=dict)
    spans: list[Span] = field(default_factory=list)  # new spans of the expected kind, in the quote

    def vector(self, names: tuple[str, ...] = FEATURES) -> list[float]:
        return [self.features[n] for n in names]


@dataclass
class QuestionView:
    """What every candidate of one question is compared against (built once per question)."""

    text: str
    kind: str
    matcher: Matcher
    folded: Matcher
    paraphrased: Matcher
    question_digits: set[str]
    _seen: dict[str, float] = field(default_factory=dict)

    def sentence_coverage(self, text: str) -> float:
        """Coverage of a sentence, computed once for all the windows cut from it."""
        if text not in self._seen:
            self._seen[text] = self.matcher.coverage(text)
        return self._seen[text]

    @classmethod
    def build(cls, question: str, text: str, stats: TermStats) -> "QuestionView":
        return cls(
            text=text,
            kind=expected_type(question),
            matcher=Matcher(key_terms(text), stats),
            folded=Matcher(key_terms(fold(text)), stats),
            paraphrased=Matcher(key_terms(rewrite(text)), stats),
            question_digits={digits(s.text) for s in find_spans(question) if digits(s.text)},
        )


def windows(text: str) -> list[tuple[str, str]]:
    """(window, its sentence) pairs: sentences up to CLAIM_CHARS whole, longer ones as runs of clauses."""
    out = []
    for a, b in split_sentences(text):
        sentence = text[a:b].strip()
        if len(sentence) <= CLAIM_CHARS:
            out.append((sentence, sentence))
            continue
        pieces = _pieces(sentence)
        for i in range(len(pieces)):
            j, end = i, pieces[i][1]
            while j + 1 < len(pieces) and pieces[j + 1][1] - pieces[i][0] <= CLAIM_CHARS:
                j += 1
                end = pieces[j][1]
            window = sentence[pieces[i][0] : end].strip(" ;,:")
            if len(window) > 1:
                out.append((window, sentence))
    return list(dict.fromkeys(out))


def _pieces(sentence: str) -> list[tuple[int, int]]:
    """Clause boundaries of a long sentence (";", ":" and "," before a word); a clause longer than
    CLAIM_CHARS is cut at the last space before the limit."""
    bounds, start = [], 0
    for m in _PIECE_END.finditer(sentence):
        bounds.append((start, m.start()))
        start = m.end()
    bounds.append((start, len(sentence)))
    out = []
    for a, b in bounds:
        while b - a > CLAIM_CHARS:
            cut = sentence.rfind(" ", a, a + CLAIM_CHARS)
            cut = cut if cut > a else a + CLAIM_CHARS
            out.append((a, cut))
            a = cut + 1
        if b > a:
            out.append((a, b))
    return out


def candidates(view: QuestionView, hits: list[Hit]) -> list[Candidate]:
    """Every window of every retrieved passage, with its features."""
    top = hits[0].score if hits and hits[0].score > 0 else 1.0
    out = []
    for rank, hit in enumerate(hits):
        section = hit.chunk.section
        passage = f"{section}\n{hit.chunk.text}"
        per_hit = {
            "cov_passage": view.matcher.coverage(passage),
            "anchor_passage": float(view.matcher.has_anchor(passage)),
            "section_cov": view.matcher.coverage(section),
            "inv_rank": 1.0 / (1 + rank),
            "score_rel": max(0.0, hit.score / top),
        }
        for window, sentence in windows(hit.chunk.text):
            out.append(_candidate(view, hit, rank, section, window, sentence, per_hit))
    return out


def _candidate(view: QuestionView, hit: Hit, rank: int, section: str, window: str, sentence: str,
               per_hit: dict[str, float]) -> Candidate:
    context = f"{section}\n{window}"
    spans = [s for s in find_spans(window) if digits(s.text) not in view.question_digits or not digits(s.text)]
    accepted = ACCEPTS.get(view.kind, frozenset())
    typed = [s for s in spans if s.kind in accepted]
    exact = [s for s in typed if s.kind == view.kind or (view.kind == "agency" and s.kind == "person")]
    cov = view.matcher.coverage(context)
    f = {
        "cov": cov,
        "cov_text": view.matcher.coverage(window),
        "cov_sentence": view.sentence_coverage(f"{section}\n{sentence}"),
        "cov_folded": view.folded.coverage(context),
        "cov_paraphrase": max(cov, view.paraphrased.coverage(rewrite(context))),
        "anchor": float(view.matcher.has_anchor(context)),
        "rare_topic": float(view.matcher.anchor_is_rare_topic),
        "type_match": float(bool(typed)),
        "type_exact": float(bool(exact)),
        "new_number": float(any(digits(s.text) for s in spans)),
        "span_near": _nearness(view.matcher, window, typed),
        "strict": float(view.kind in STRICT),
        "length": min(len(window), 2 * CLAIM_CHARS) / CLAIM_CHARS,
        **per_hit,
    }
    return Candidate(hit, rank, window, f, typed)


def _nearness(matcher: Matcher, window: str, spans: list[Span]) -> float:
    """1 when a typed span stands right next to a word of the question, falling with the distance
    in words (a figure belongs to the words around it); 0 without a typed span."""
    if not spans:
        return 0.0
    terms = {fold(t) for t in matcher.weights if " " not in t}
    positions = [m.start() for m in re.finditer(r"[^\W_]+", window) if fold(m.group()) in terms]
    if not positions:
        return 0.0
    gap = min(_words_between(window, p, s) for p in positions for s in spans)
    return 1.0 / (1.0 + gap / 4.0)


def _words_between(text: str, pos: int, span: Span) -> int:
    a, b = (pos, span.start) if pos < span.start else (span.end, pos)
    return len(words(text[a:b])) if b > a else 0


def is_usable(view: QuestionView, cand: Candidate) -> bool:
    """The hard part of the type check: a figure question needs a new figure of the right kind."""
    return view.kind not in STRICT or bool(cand.spans)


def log_odds(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))
