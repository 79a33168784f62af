"""How well a passage answers a question: IDF-weighted coverage of the question's key terms.

Key terms are the question's meaningful syllables and the two-syllable words they
form ("chủ đề", "ngân sách"). Matching is accent-aware per term: a term typed with
diacritics must match exactly ("lương" is not "lượng"), one typed without them
matches any accented form ("luong" matches both). Corpus statistics give rare terms
more weight, so a question whose rare key word a passage lacks is not answered from it.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from hoidap.vietnamese import fold, has_diacritics, stopwords_of, words

# Words that frame a question ("what is the target for ...") more than they name its topic.
# "Hạn chót / hạn cuối" ask for a deadline that plans write "trước ngày …": they name the answer's kind, not its topic.
FRAMING = frozenset({"muc tieu", "chi tieu", "nhiem vu", "noi dung", "quy dinh", "giai phap", "van ban", "han chot", "han cuoi"})
_FRAMING_WEIGHT = 0.3
ANCHOR_MISSING = 0.8
RARE_TOPIC_DF = 5  # measured: the plans use "lương" 5 times, never for salaries
_UNSEEN_PAIR = 0.3


@lru_cache(maxsize=1 << 16)
def fold_word(word: str) -> str:
    """fold() of one word, cached: scoring candidates folds the same few thousand words again and again."""
    return fold(word)


def _grams(ws: list[str]) -> set[str]:
    return set(ws) | {f"{a} {b}" for a, b in zip(ws, ws[1:])}


class TermStats:
    """Document frequencies of syllables and syllable pairs (accented and folded) over all chunks."""

    def __init__(self, texts: Iterable[str]) -> None:
        self.n = 0
        self.accented: Counter[str] = Counter()
        self.folded: Counter[str] = Counter()
        self._single: tuple[frozenset[str], frozenset[str]] | None = None
        self.add(texts)

    def add(self, texts: Iterable[str]) -> None:
        """Count more chunks (new plans) without recounting the whole index."""
        self._single = None
        for text in texts:
            ws = words(text)
            self.n += 1
            self.accented.update(_grams(ws))
            self.folded.update(_grams([fold(w) for w in ws]))

    def df(self, term: str) -> int:
        return (self.accented if has_diacritics(term) else self.folded).get(term, 0)

    def single_words(self) -> tuple[frozenset[str], frozenset[str]]:
        """The single words the plans use, (accented, folded): what a misspelt word may stand for."""
        if self._single is None:
            self._single = (frozenset(t for t in self.accented if " " not in t),
                            frozenset(t for t in self.folded if " " not in t))
        return self._single

    def idf(self, term: str) -> float:
        df = self.df(term)
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))


def key_terms(text: str) -> list[str]:
    """Meaningful syllables of a question and the pairs they form, as typed (lower-cased)."""
    ws = words(text)
    keep = [not stop for stop in stopwords_of(ws)]
    terms = [w for w, k in zip(ws, keep) if k]
    terms += [f"{a} {b}" for (a, ka), (b, kb) in zip(zip(ws, keep), zip(ws[1:], keep[1:])) if ka and kb]
    return list(dict.fromkeys(terms))


# Abbreviations the plans write both ways ("THPT" and "trung học phổ thông" 21 times each): a text
# holding either form holds both, so a question typed one way matches a passage written the other.
_ABBREVIATIONS = {
    "thpt": "trung học phổ thông", "thcs": "trung học cơ sở", "gdpt": "giáo dục phổ thông",
    "gdtx": "giáo dục thường xuyên", "gdmn": "giáo dục mầm non", "gdnn": "giáo dục nghề nghiệp",
    "ubnd": "ủy ban nhân dân", "hđnd": "hội đồng nhân dân", "ptdtnt": "phổ thông dân tộc nội trú",
    "ptdtbt": "phổ thông dân tộc bán trú", "cbql": "cán bộ quản lý", "gdđt": "giáo dục và đào tạo",
    "csvc": "cơ sở vật chất", "cntt": "công nghệ thông tin", "cđsp": "cao đẳng sư phạm",
    "atgt": "an toàn giao thông", "dtts": "dân tộc thiểu số",
    # not an abbreviation but the plans' other word for teachers ("lương của nhà giáo" for "lương giáo viên")
    "nhà giáo": "giáo viên",
}


@lru_cache(maxsize=1)
def _abbreviation_forms() -> tuple[re.Pattern[str], dict[str, str]]:
    """One pattern over both forms (folded), and each folded form's other form (accented)."""
    other = {}
    for abbr, full in _ABBREVIATIONS.items():
        other[fold(abbr)], other[fold(full)] = full, abbr
    return re.compile(r"\b(?:" + "|".join(sorted(other, key=len, reverse=True)) + r")\b"), other


def _other_forms(ws: list[str], folded_words: list[str]) -> list[list[str]]:
    """Each abbreviation's other form between the words around it: "tốt nghiệp trung học phổ thông năm"
    also reads "tốt nghiệp THPT năm", so the question's pair "nghiệp thpt" is found too."""
    pattern, other = _abbreviation_forms()
    starts, at = [], 0
    for w in folded_words:
        starts.append(at)
        at += len(w) + 1
    out = []
    for m in pattern.finditer(" ".join(folded_words)):
        i, j = bisect_right(starts, m.start()) - 1, bisect_left(starts, m.end())
        out.append(ws[max(0, i - 1) : i] + other[m.group()].split() + ws[j : j + 1])
    return out


class Grams:
    """A text's syllables and syllable pairs, as written and accent-folded (with the other form of
    each abbreviation it uses)."""

    __slots__ = ("accented", "folded")

    def __init__(self, accented: set[str], folded: set[str]) -> None:
        self.accented, self.folded = accented, folded

    @classmethod
    def of(cls, text: str) -> "Grams":
        ws = words(text)
        folded = [fold_word(w) for w in ws]
        accented, folded_grams = _grams(ws), _grams(folded)
        for form in _other_forms(ws, folded):
            accented |= _grams(form)
            folded_grams |= _grams([fold_word(w) for w in form])
        return cls(accented, folded_grams)

    def __or__(self, other: "Grams") -> "Grams":
        """The grams of two texts read one after the other (a section path and a sentence)."""
        return Grams(self.accented | other.accented, self.folded | other.folded)


@lru_cache(maxsize=1 << 14)
def grams_of(text: str) -> Grams:
    """Grams.of, cached: the same passages come back question after question (never mutate the sets)."""
    return Grams.of(text)


class Matcher:
    """Scores texts against one question's key terms."""

    def __init__(self, terms: list[str], stats: TermStats, framed: frozenset[str] = frozenset()) -> None:
        """framed: folded words this question uses as framing (understanding.framing_words)."""
        framing = {w for t in terms if fold(t) in FRAMING for w in fold(t).split()}
        self.weights: dict[str, float] = {}
        for term in terms:
            seen = stats.df(term) > 0
            pair = " " in term
            # An unseen pair may be two words that merely stand side by side: count it lightly.
            weight = stats.idf(term) * (_UNSEEN_PAIR if pair and not seen else 1.0)
            if fold(term) in FRAMING or fold(term) in framing or (framed and set(fold(term).split()) <= framed):
                weight *= _FRAMING_WEIGHT
            self.weights[term] = weight
        self.total = sum(self.weights.values()) or 1.0
        # A term typed with diacritics must match as written; one typed without matches any accents.
        self._accented = [(t, w) for t, w in self.weights.items() if has_diacritics(t)]
        self._folded = [(t, w) for t, w in self.weights.items() if not has_diacritics(t)]
        singles = [t for t in self.weights if " " not in t]
        # The rarest word the question uses: an answer must contain it (or its folded form).
        self.anchor = max(singles, key=lambda t: self.weights[t]) if singles else None
        # A word the plans use only a handful of times names a topic they barely touch ("lương"):
        # a figure offered for such a question must stand next to that very word.
        self.anchor_is_rare_topic = self.anchor is not None and 1 <= stats.df(self.anchor) <= RARE_TOPIC_DF

    def anchor_factor(self, text: str) -> float:
        """1.0 when the passage holds the question's rarest word, less when it does not."""
        return 1.0 if self.has_anchor(text) else ANCHOR_MISSING

    def has_anchor(self, text: str) -> bool:
        if self.anchor is None:
            return True
        ws = words(text)
        return self.anchor in ws if has_diacritics(self.anchor) else self.anchor in {fold_word(w) for w in ws}

    def coverage(self, text: str) -> float:
        """Share of the question's (IDF-weighted) key terms present in the text."""
        return self.coverage_of(Grams.of(text))

    def coverage_of(self, grams: "Grams") -> float:
        """coverage() of a text already cut into grams (several matchers share one cut)."""
        hit = sum(w for t, w in self._accented if t in grams.accented)
        hit += sum(w for t, w in self._folded if t in grams.folded)
        return hit / self.total

    def terms_in(self, text: str) -> set[str]:
        """The question's key terms the text holds (as coverage() counts them)."""
        grams = Grams.of(text)
        return {t for t, _ in self._accented if t in grams.accented} | {t for t, _ in self._folded if t in grams.folded}
