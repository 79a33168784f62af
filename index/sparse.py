"""Keyword (sparse) vectors for Vietnamese: accent-folded syllables plus syllable bigrams.

Vietnamese words are often two syllables ("mầm non", "ngân sách"); bigrams of
syllables stand in for them without a word segmenter. Folding accents lets "ty le
tre" hit "tỷ lệ trẻ". Term weights use BM25 saturation on the document side; Qdrant's
IDF modifier supplies the inverse document frequency at query time.
"""

from __future__ import annotations

import re
import zlib
from collections import Counter

from hoidap.vietnamese import fold, words

# Version of terms(): stored with every chunk. A chunk written under another version has its keyword
# vector recomputed from its stored text when the index is opened (2: i/y spelled one way, "tỉ" = "tỷ").
FORMAT = 2
K1 = 1.2
B = 0.75
AVG_TERMS = 90.0  # typical chunk length in terms; only the ratio matters
_CLAUSE = re.compile(r"[.;:!?()\[\]“”\"]|\s[-–]\s|,")


def terms(text: str, bigrams: bool = True) -> list[str]:
    """Folded syllables, then bigrams that do not cross clause punctuation."""
    out: list[str] = []
    for clause in _CLAUSE.split(text):
        syl = [fold(w) for w in words(clause)]
        out.extend(syl)
        if bigrams:
            out.extend(f"{a}_{b}" for a, b in zip(syl, syl[1:]))
    return out


def term_id(term: str) -> int:
    return zlib.crc32(term.encode("utf-8")) & 0x7FFFFFFF


def _vector(counts: dict[int, float]) -> tuple[list[int], list[float]]:
    ids = sorted(counts)
    return ids, [counts[i] for i in ids]


def doc_vector(text: str, bigrams: bool = True) -> tuple[list[int], list[float]]:
    """BM25 document-side weights: tf * (k1 + 1) / (tf + k1 * (1 - b + b * len / avg))."""
    found = terms(text, bigrams)
    norm = K1 * (1 - B + B * len(found) / AVG_TERMS)
    counts: dict[int, float] = {}
    for term, tf in Counter(found).items():
        counts[term_id(term)] = tf * (K1 + 1) / (tf + norm)
    return _vector(counts)


def query_vector(text: str, bigrams: bool = True) -> tuple[list[int], list[float]]:
    """Each distinct query term once; IDF is applied by Qdrant."""
    return _vector({term_id(t): 1.0 for t in set(terms(text, bigrams))})
